ALTER TABLE `sandboxes` ADD `idle_timeout_ms` integer DEFAULT 1800000 NOT NULL;--> statement-breakpoint
CREATE INDEX `sandboxes_host` ON `sandboxes` (`org_id`,`host_id`,`state`);