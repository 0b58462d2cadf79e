CREATE TABLE `review_queues` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`instructions` text NOT NULL,
	`rubric` text NOT NULL,
	`correction` integer NOT NULL,
	`reviewers_per_item` integer NOT NULL,
	`review_role` text NOT NULL,
	`assigned_reviewers` text NOT NULL,
	`lease_seconds` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `review_queues_project_updated` ON `review_queues` (`project_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `review_routing_rules` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`queue_id` text NOT NULL,
	`name` text NOT NULL,
	`filter` text NOT NULL,
	`sampling_rate` real NOT NULL,
	`active` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `review_routing_rules_active` ON `review_routing_rules` (`project_id`,`active`);