ALTER TABLE `eval_rules` ADD `target` text DEFAULT 'trace' NOT NULL;--> statement-breakpoint
ALTER TABLE `eval_rules` ADD `idle_minutes` integer;