ALTER TABLE `sandboxes` ADD `asked_limits` text;--> statement-breakpoint
ALTER TABLE `sandboxes` ADD `runtime` text;