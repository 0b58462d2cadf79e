CREATE TABLE `evaluator_gate_events` (
	`project_id` text NOT NULL,
	`evaluator_id` text NOT NULL,
	`id` text NOT NULL,
	`action` text NOT NULL,
	`from_version` integer NOT NULL,
	`version` integer NOT NULL,
	`metric` text NOT NULL,
	`live_value` real,
	`candidate_value` real,
	`n` integer,
	`reason` text,
	`actor` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `evaluator_id`, `id`)
);
--> statement-breakpoint
CREATE TABLE `evaluator_gates` (
	`project_id` text NOT NULL,
	`evaluator_id` text NOT NULL,
	`metric` text NOT NULL,
	`min_value` real,
	`live_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text,
	PRIMARY KEY(`project_id`, `evaluator_id`)
);
--> statement-breakpoint
ALTER TABLE `review_routing_rules` ADD `calibration` text;