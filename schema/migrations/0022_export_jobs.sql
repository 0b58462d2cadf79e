CREATE TABLE `export_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`status` text NOT NULL,
	`object_key` text NOT NULL,
	`upload_id` text,
	`parts` text DEFAULT '[]' NOT NULL,
	`cursor` text NOT NULL,
	`carry` integer DEFAULT 0 NOT NULL,
	`records` integer DEFAULT 0 NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	`expires_at` integer
);
--> statement-breakpoint
CREATE INDEX `export_jobs_project` ON `export_jobs` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `export_jobs_status` ON `export_jobs` (`status`);