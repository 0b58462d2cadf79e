CREATE TABLE `experiment_baselines` (
	`project_id` text NOT NULL,
	`dataset_id` text NOT NULL,
	`experiment_id` text NOT NULL,
	`pinned_at` integer NOT NULL,
	`pinned_by` text,
	PRIMARY KEY(`project_id`, `dataset_id`)
);
--> statement-breakpoint
CREATE TABLE `experiment_runs` (
	`project_id` text NOT NULL,
	`experiment_id` text NOT NULL,
	`example_id` text NOT NULL,
	`repetition` integer NOT NULL,
	`trace_id` text NOT NULL,
	`output` text,
	`error` text,
	`latency_ms` integer,
	`tokens` integer,
	`cost_usd` real,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `experiment_id`, `example_id`, `repetition`)
);
--> statement-breakpoint
CREATE INDEX `experiment_runs_trace` ON `experiment_runs` (`project_id`,`trace_id`);--> statement-breakpoint
CREATE TABLE `experiments` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`dataset_id` text NOT NULL,
	`dataset_version` integer NOT NULL,
	`description` text,
	`candidate` text NOT NULL,
	`repetitions` integer NOT NULL,
	`evaluators` text NOT NULL,
	`metadata` text,
	`status` text NOT NULL,
	`gate_failed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`ended_at` integer,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `experiments_project_name` ON `experiments` (`project_id`,`name`);--> statement-breakpoint
CREATE INDEX `experiments_project_dataset` ON `experiments` (`project_id`,`dataset_id`,`created_at`);