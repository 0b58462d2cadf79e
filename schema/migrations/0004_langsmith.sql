CREATE TABLE `langsmith_pending` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`run_id` text NOT NULL,
	`kind` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `langsmith_pending_run` ON `langsmith_pending` (`project_id`,`run_id`);--> statement-breakpoint
CREATE TABLE `langsmith_runs` (
	`project_id` text NOT NULL,
	`run_id` text NOT NULL,
	`trace_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `run_id`)
);
