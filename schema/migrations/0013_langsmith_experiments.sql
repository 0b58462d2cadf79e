ALTER TABLE `langsmith_runs` ADD `session_name` text;--> statement-breakpoint
ALTER TABLE `langsmith_runs` ADD `session_id` text;--> statement-breakpoint
ALTER TABLE `langsmith_runs` ADD `reference_example_id` text;--> statement-breakpoint
CREATE INDEX `langsmith_runs_session_name` ON `langsmith_runs` (`project_id`,`session_name`);--> statement-breakpoint
CREATE INDEX `langsmith_runs_session_id` ON `langsmith_runs` (`project_id`,`session_id`);