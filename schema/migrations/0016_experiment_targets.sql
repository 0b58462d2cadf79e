CREATE TABLE `experiment_target_runs` (
	`project_id` text NOT NULL,
	`experiment_id` text NOT NULL,
	`example_id` text NOT NULL,
	`repetition` integer NOT NULL,
	`state` text NOT NULL,
	`attempts` integer NOT NULL,
	`not_before` integer NOT NULL,
	`last_error` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `experiment_id`, `example_id`, `repetition`)
);
--> statement-breakpoint
CREATE INDEX `experiment_target_runs_state` ON `experiment_target_runs` (`project_id`,`experiment_id`,`state`,`not_before`);--> statement-breakpoint
CREATE TABLE `experiment_targets` (
	`project_id` text NOT NULL,
	`experiment_id` text NOT NULL,
	`kind` text NOT NULL,
	`url` text,
	`replay` text,
	`secret_ciphertext` text,
	`headers` text,
	`timeout_ms` integer NOT NULL,
	`concurrency` integer NOT NULL,
	`max_attempts` integer NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `experiment_id`)
);
--> statement-breakpoint
CREATE INDEX `experiment_targets_status` ON `experiment_targets` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `experiment_version_baselines` (
	`project_id` text NOT NULL,
	`dataset_id` text NOT NULL,
	`dataset_version` integer NOT NULL,
	`experiment_id` text NOT NULL,
	`pinned_at` integer NOT NULL,
	`pinned_by` text,
	PRIMARY KEY(`project_id`, `dataset_id`, `dataset_version`)
);
