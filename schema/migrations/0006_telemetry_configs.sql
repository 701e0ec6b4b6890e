CREATE TABLE `telemetry_configs` (
	`org_id` text PRIMARY KEY NOT NULL,
	`endpoint` text NOT NULL,
	`headers_ciphertext` text,
	`headers_iv` text,
	`headers_key_version` text,
	`header_names` text NOT NULL,
	`include_content` integer NOT NULL,
	`sample_ratio` real NOT NULL,
	`dropped_spans` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
