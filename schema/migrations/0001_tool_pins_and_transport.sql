ALTER TABLE `tools` ADD `credential_over_http` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tools` ADD `definition_hash` text;--> statement-breakpoint
ALTER TABLE `tools` ADD `quarantined_at` integer;