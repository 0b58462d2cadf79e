DROP INDEX `feedback_trace`;--> statement-breakpoint
CREATE INDEX `feedback_trace` ON `feedback` (`project_id`,`trace_id`,`key`,`score`);