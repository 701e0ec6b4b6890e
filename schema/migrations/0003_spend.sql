CREATE TABLE `spend_limits` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`scope` text NOT NULL,
	`scope_id` text,
	`scope_key` text NOT NULL,
	`period` text NOT NULL,
	`limit_micros` integer NOT NULL,
	`thresholds` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `spend_limits_org_scope_period` ON `spend_limits` (`org_id`,`scope`,`scope_key`,`period`);--> statement-breakpoint
CREATE TABLE `spend_prices` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`model` text NOT NULL,
	`input_micros_per_mtok` integer NOT NULL,
	`output_micros_per_mtok` integer NOT NULL,
	`cached_micros_per_mtok` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `spend_prices_org_model` ON `spend_prices` (`org_id`,`model`);--> statement-breakpoint
CREATE TABLE `spend_usage` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`team_id` text,
	`model` text NOT NULL,
	`day` text NOT NULL,
	`input_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`cached_tokens` integer NOT NULL,
	`cost_micros` integer NOT NULL,
	`basis` text NOT NULL,
	`settled_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `spend_usage_org_day` ON `spend_usage` (`org_id`,`day`);