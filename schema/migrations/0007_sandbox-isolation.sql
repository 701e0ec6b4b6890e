ALTER TABLE `hosts` ADD `capabilities` text;--> statement-breakpoint
ALTER TABLE `sandboxes` ADD `isolation` text DEFAULT 'container' NOT NULL;--> statement-breakpoint
ALTER TABLE `sandboxes` ADD `image` text;--> statement-breakpoint
ALTER TABLE `sandboxes` ADD `image_digest` text;--> statement-breakpoint
ALTER TABLE `sandboxes` ADD `driver` text;--> statement-breakpoint
ALTER TABLE `sandboxes` ADD `accelerator` text;