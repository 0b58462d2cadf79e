CREATE TABLE `dataset_example_revisions` (
	`project_id` text NOT NULL,
	`dataset_id` text NOT NULL,
	`example_id` text NOT NULL,
	`valid_from` integer NOT NULL,
	`valid_to` integer NOT NULL,
	`inputs` text NOT NULL,
	`outputs` text,
	`criteria` text,
	`expected_trajectory` text,
	`metadata` text NOT NULL,
	`tags` text NOT NULL,
	`splits` text NOT NULL,
	`source` text,
	`archived` integer NOT NULL,
	`archive_reason` text,
	`created_at` integer NOT NULL,
	`modified_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `dataset_id`, `example_id`, `valid_from`)
);
--> statement-breakpoint
CREATE INDEX `dataset_revisions_visible` ON `dataset_example_revisions` (`project_id`,`dataset_id`,`valid_to`,`example_id`);--> statement-breakpoint
CREATE INDEX `dataset_revisions_changed` ON `dataset_example_revisions` (`project_id`,`dataset_id`,`valid_from`);--> statement-breakpoint
CREATE INDEX `dataset_revisions_example` ON `dataset_example_revisions` (`project_id`,`example_id`,`valid_from`);--> statement-breakpoint
CREATE TABLE `dataset_tags` (
	`project_id` text NOT NULL,
	`dataset_id` text NOT NULL,
	`tag` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `dataset_id`, `tag`)
);
--> statement-breakpoint
CREATE TABLE `dataset_versions` (
	`project_id` text NOT NULL,
	`dataset_id` text NOT NULL,
	`version` integer NOT NULL,
	`message` text NOT NULL,
	`changes` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `dataset_id`, `version`)
);
--> statement-breakpoint
CREATE INDEX `dataset_versions_time` ON `dataset_versions` (`project_id`,`dataset_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `datasets` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`inputs_schema` text,
	`outputs_schema` text,
	`latest_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`modified_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `datasets_project_name` ON `datasets` (`project_id`,`name`);