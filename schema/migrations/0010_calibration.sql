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
