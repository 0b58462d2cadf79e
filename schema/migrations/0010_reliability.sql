CREATE TABLE `ingest_batches` (
	`key` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`spans` integer NOT NULL,
	`created_at` integer NOT NULL,
	`enqueued_at` integer NOT NULL,
	`sweeps` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ingest_batches_enqueued` ON `ingest_batches` (`enqueued_at`);--> statement-breakpoint
CREATE TABLE `trace_signals` (
	`project_id` text NOT NULL,
	`channel` text NOT NULL,
	`trace_id` text NOT NULL,
	`updated_at` integer NOT NULL,
	`due_at` integer NOT NULL,
	`sweeps` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`project_id`, `channel`, `trace_id`)
);
--> statement-breakpoint
CREATE INDEX `trace_signals_due` ON `trace_signals` (`due_at`);--> statement-breakpoint
CREATE INDEX `eval_matches_pending` ON `eval_matches` (`queued_at`,`created_at`);--> statement-breakpoint
CREATE INDEX `eval_results_stalled` ON `eval_results` (`status`,`updated_at`);