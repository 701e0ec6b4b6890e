ALTER TABLE `agents` ADD `suspended_at` integer;--> statement-breakpoint
ALTER TABLE `agents` ADD `suspend_reason` text;--> statement-breakpoint
ALTER TABLE `orgs` ADD `suspended_at` integer;--> statement-breakpoint
ALTER TABLE `orgs` ADD `suspend_reason` text;