ALTER TABLE `tokens` ADD `sign_in_amr` text;--> statement-breakpoint
ALTER TABLE `tokens` ADD `sign_in_sso_org` text;--> statement-breakpoint
ALTER TABLE `tokens` ADD `refused_for_rule` text;