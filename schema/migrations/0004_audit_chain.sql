PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_audit_events` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`seq` integer NOT NULL,
	`ts` integer NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`action` text NOT NULL,
	`resource_type` text NOT NULL,
	`resource_id` text,
	`result` text NOT NULL,
	`reason` text,
	`trace_id` text,
	`details` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_audit_events`("id", "org_id", "seq", "ts", "actor_type", "actor_id", "action", "resource_type", "resource_id", "result", "reason", "trace_id", "details", "prev_hash", "hash") SELECT "id", "org_id", "seq", "ts", "actor_type", "actor_id", "action", "resource_type", "resource_id", "result", "reason", "trace_id", "details", "prev_hash", "hash" FROM `audit_events`;--> statement-breakpoint
DROP TABLE `audit_events`;--> statement-breakpoint
ALTER TABLE `__new_audit_events` RENAME TO `audit_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_org_seq` ON `audit_events` (`org_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_org_ts` ON `audit_events` (`org_id`,`ts`);--> statement-breakpoint
CREATE INDEX `audit_org_trace` ON `audit_events` (`org_id`,`trace_id`);