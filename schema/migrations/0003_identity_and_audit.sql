CREATE TABLE `invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`email` text NOT NULL,
	`role` text NOT NULL,
	`token_sha256` text NOT NULL,
	`password_hash` text,
	`invited_by` text NOT NULL,
	`expires_at` integer NOT NULL,
	`accepted_at` integer,
	`accepted_by` text,
	`revoked_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token` ON `invitations` (`token_sha256`);--> statement-breakpoint
CREATE INDEX `invitations_org_email` ON `invitations` (`org_id`,`email`);--> statement-breakpoint
ALTER TABLE `audit_events` ADD `client_trace_id` text;--> statement-breakpoint
CREATE INDEX `audit_org_client_trace` ON `audit_events` (`org_id`,`client_trace_id`);--> statement-breakpoint
ALTER TABLE `sandboxes` ADD `idle_timeout_ms` integer DEFAULT 1800000 NOT NULL;--> statement-breakpoint
CREATE INDEX `sandboxes_host` ON `sandboxes` (`org_id`,`host_id`,`state`);