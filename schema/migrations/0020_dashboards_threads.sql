ALTER TABLE `eval_rules` ADD `target` text DEFAULT 'trace' NOT NULL;--> statement-breakpoint
ALTER TABLE `eval_rules` ADD `idle_minutes` integer;--> statement-breakpoint
CREATE INDEX `feedback_trace_source` ON `feedback` (`project_id`,`trace_id`,`source`,`key`,`score`);--> statement-breakpoint
CREATE INDEX `spans_trace_model` ON `spans` (`project_id`,`trace_id`,`model`,`duration_ms`,`status`,`input_tokens`,`output_tokens`,`total_tokens`,`cost_usd`) WHERE model IS NOT NULL;--> statement-breakpoint
CREATE INDEX `traces_stats` ON `traces` (`project_id`,`start_time`,`duration_ms`,`has_error`,`total_tokens`,`cost_usd`,`release`,`environment`,`name`,`trace_id`);--> statement-breakpoint
CREATE INDEX `traces_project_session` ON `traces` (`project_id`,`session_id`,`start_time`);