CREATE TABLE `calibration_mappings` (
	`project_id` text NOT NULL,
	`evaluator_id` text NOT NULL,
	`human_key` text NOT NULL,
	`type` text,
	`threshold` real,
	`tolerance` real,
	`updated_at` integer NOT NULL,
	`updated_by` text,
	PRIMARY KEY(`project_id`, `evaluator_id`)
);
--> statement-breakpoint
CREATE TABLE `insight_members` (
	`project_id` text NOT NULL,
	`report_id` text NOT NULL,
	`cluster` text NOT NULL,
	`trace_id` text NOT NULL,
	PRIMARY KEY(`project_id`, `report_id`, `cluster`, `trace_id`)
);
--> statement-breakpoint
CREATE INDEX `insight_members_trace` ON `insight_members` (`project_id`,`trace_id`);--> statement-breakpoint
CREATE TABLE `insight_reports` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`status` text NOT NULL,
	`filter` text NOT NULL,
	`failure_filter` text,
	`since` integer,
	`until` integer,
	`progress` text NOT NULL,
	`source` text NOT NULL,
	`traces` integer,
	`failures` integer,
	`method` text,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `insight_reports_project_created` ON `insight_reports` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `insight_schedules` (
	`project_id` text PRIMARY KEY NOT NULL,
	`every` text NOT NULL,
	`filter` text NOT NULL,
	`failure_filter` text,
	`window_days` integer NOT NULL,
	`last_run_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `insight_tracked` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`report_id` text NOT NULL,
	`pattern_key` text NOT NULL,
	`label` text NOT NULL,
	`filter` text,
	`failure_filter` text,
	`threshold` real NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `id`)
);
