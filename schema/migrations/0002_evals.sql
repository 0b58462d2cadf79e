CREATE TABLE `eval_matches` (
	`project_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`run_id` text NOT NULL,
	`trace_id` text NOT NULL,
	`sampled` integer NOT NULL,
	`queued_at` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `rule_id`, `run_id`, `trace_id`)
);
--> statement-breakpoint
CREATE INDEX `eval_matches_unqueued` ON `eval_matches` (`project_id`,`rule_id`,`run_id`,`queued_at`);--> statement-breakpoint
CREATE TABLE `eval_providers` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`base_url` text,
	`default_model` text,
	`key_ciphertext` text,
	`options` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `eval_results` (
	`project_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`run_id` text NOT NULL,
	`trace_id` text NOT NULL,
	`span_id` text NOT NULL,
	`evaluator_id` text NOT NULL,
	`evaluator_version` integer,
	`status` text NOT NULL,
	`score` real,
	`value` text,
	`error_code` text,
	`error` text,
	`attempts` integer NOT NULL,
	`feedback_id` text,
	`judge_trace_id` text,
	`duration_ms` integer,
	`cost_usd` real,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `rule_id`, `run_id`, `trace_id`, `span_id`, `evaluator_id`)
);
--> statement-breakpoint
CREATE INDEX `eval_results_status` ON `eval_results` (`project_id`,`rule_id`,`run_id`,`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `eval_rules` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`filter` text NOT NULL,
	`sampling_rate` real NOT NULL,
	`evaluator_ids` text NOT NULL,
	`active` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `eval_rules_active` ON `eval_rules` (`project_id`,`active`);--> statement-breakpoint
CREATE TABLE `eval_runs` (
	`project_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`id` text NOT NULL,
	`kind` text NOT NULL,
	`from_time` integer,
	`to_time` integer,
	`max_traces` integer,
	`status` text NOT NULL,
	`cursor` text,
	`scanned` integer NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `rule_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `eval_settings` (
	`project_id` text PRIMARY KEY NOT NULL,
	`daily_spend_cap_usd` real,
	`daily_judge_call_cap` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `eval_spend` (
	`project_id` text NOT NULL,
	`day` text NOT NULL,
	`calls` integer NOT NULL,
	`cost_usd` real NOT NULL,
	PRIMARY KEY(`project_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `evaluator_versions` (
	`project_id` text NOT NULL,
	`evaluator_id` text NOT NULL,
	`version` integer NOT NULL,
	`name` text NOT NULL,
	`key` text NOT NULL,
	`kind` text NOT NULL,
	`description` text,
	`target` text NOT NULL,
	`config` text NOT NULL,
	`template` text,
	`created_at` integer NOT NULL,
	`created_by` text,
	PRIMARY KEY(`project_id`, `evaluator_id`, `version`)
);
--> statement-breakpoint
CREATE TABLE `evaluators` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`version` integer NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `evaluators_project_updated` ON `evaluators` (`project_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `feedback_evaluator` ON `feedback` (`project_id`,`evaluator_id`,`created_at`);