CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `api_keys_project` ON `api_keys` (`project_id`);--> statement-breakpoint
CREATE TABLE `memberships` (
	`org_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`org_id`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `memberships_user` ON `memberships` (`user_id`);--> statement-breakpoint
CREATE TABLE `orgs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `projects_org_name` ON `projects` (`org_id`,`name`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`password_hash` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email` ON `users` (`email`);--> statement-breakpoint
CREATE TABLE `feedback` (
	`id` text NOT NULL,
	`project_id` text NOT NULL,
	`trace_id` text NOT NULL,
	`span_id` text,
	`key` text NOT NULL,
	`score` real,
	`value` text,
	`comment` text,
	`correction` text,
	`source` text NOT NULL,
	`author` text,
	`evaluator_id` text,
	`evaluator_version` integer,
	`queue_id` text,
	`metadata` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `feedback_trace` ON `feedback` (`project_id`,`trace_id`);--> statement-breakpoint
CREATE INDEX `feedback_key` ON `feedback` (`project_id`,`key`,`score`);--> statement-breakpoint
CREATE TABLE `spans` (
	`project_id` text NOT NULL,
	`trace_id` text NOT NULL,
	`span_id` text NOT NULL,
	`parent_id` text,
	`name` text,
	`kind` text,
	`status` text,
	`error` text,
	`start_time` integer,
	`end_time` integer,
	`duration_ms` integer,
	`model` text,
	`input_tokens` integer,
	`output_tokens` integer,
	`total_tokens` integer,
	`cost_usd` real,
	`tags` text,
	`metadata` text,
	`environment` text,
	`release` text,
	`session_id` text,
	`user_id` text,
	`input_preview` text,
	`output_preview` text,
	`input_ref` text,
	`output_ref` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `spans_key` ON `spans` (`project_id`,`trace_id`,`span_id`);--> statement-breakpoint
CREATE INDEX `spans_project_start` ON `spans` (`project_id`,`start_time`);--> statement-breakpoint
CREATE TABLE `traces` (
	`project_id` text NOT NULL,
	`trace_id` text NOT NULL,
	`root_span_id` text,
	`name` text,
	`start_time` integer,
	`end_time` integer,
	`duration_ms` integer,
	`span_count` integer NOT NULL,
	`input_tokens` integer,
	`output_tokens` integer,
	`total_tokens` integer,
	`cost_usd` real,
	`has_error` integer NOT NULL,
	`root_ended` integer NOT NULL,
	`environment` text,
	`release` text,
	`session_id` text,
	`user_id` text,
	`tags` text,
	`metadata` text,
	`input_preview` text,
	`output_preview` text,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `trace_id`)
);
--> statement-breakpoint
CREATE INDEX `traces_project_start` ON `traces` (`project_id`,`start_time`,`trace_id`);--> statement-breakpoint
CREATE INDEX `traces_project_updated` ON `traces` (`project_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `ingest_failures` (
	`key` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`attempts` integer NOT NULL,
	`last_error` text,
	`failed_at` integer NOT NULL,
	`dead_at` integer
);
--> statement-breakpoint
CREATE INDEX `ingest_failures_project` ON `ingest_failures` (`project_id`);