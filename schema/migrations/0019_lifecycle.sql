CREATE TABLE `deletion_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`kind` text NOT NULL,
	`target` text NOT NULL,
	`status` text NOT NULL,
	`pending` text,
	`deleted_traces` integer DEFAULT 0 NOT NULL,
	`rewritten_objects` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `deletion_jobs_project` ON `deletion_jobs` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `deletion_jobs_status` ON `deletion_jobs` (`status`);--> statement-breakpoint
CREATE TABLE `retention_settings` (
	`project_id` text PRIMARY KEY NOT NULL,
	`days` integer,
	`reviewed_days` integer,
	`updated_at` integer NOT NULL
);
