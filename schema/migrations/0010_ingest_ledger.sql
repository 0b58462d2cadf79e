CREATE TABLE `ingest_batches` (
	`key` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`spans` integer NOT NULL,
	`created_at` integer NOT NULL,
	`enqueued_at` integer NOT NULL,
	`sweeps` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ingest_batches_enqueued` ON `ingest_batches` (`enqueued_at`);