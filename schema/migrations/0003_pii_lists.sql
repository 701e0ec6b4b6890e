CREATE TABLE `pii_lists` (
	`org_id` text PRIMARY KEY NOT NULL,
	`allow` text NOT NULL,
	`deny` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
