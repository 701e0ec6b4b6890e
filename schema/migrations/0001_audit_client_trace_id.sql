ALTER TABLE `audit_events` ADD `client_trace_id` text;--> statement-breakpoint
CREATE INDEX `audit_org_client_trace` ON `audit_events` (`org_id`,`client_trace_id`);