CREATE TABLE `scim_groups` (
	`org_id` text NOT NULL,
	`team_id` text NOT NULL,
	`external_id` text,
	`updated_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`org_id`, `team_id`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scim_groups_org_external` ON `scim_groups` (`org_id`,`external_id`);--> statement-breakpoint
CREATE TABLE `scim_users` (
	`org_id` text NOT NULL,
	`user_id` text NOT NULL,
	`external_id` text,
	`given_name` text,
	`family_name` text,
	`display_name` text,
	`deactivated_at` integer,
	`updated_at` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`org_id`, `user_id`),
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scim_users_org_external` ON `scim_users` (`org_id`,`external_id`);