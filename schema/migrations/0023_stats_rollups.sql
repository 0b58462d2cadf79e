CREATE TABLE `stats_dirty` (
	`project_id` text NOT NULL,
	`hour` integer NOT NULL,
	`token` text,
	PRIMARY KEY(`project_id`, `hour`)
);
--> statement-breakpoint
CREATE TABLE `stats_rollups` (
	`project_id` text NOT NULL,
	`dim` text NOT NULL,
	`grain` text NOT NULL,
	`bucket` integer NOT NULL,
	`grp` text NOT NULL,
	`n` integer NOT NULL,
	`errors` integer NOT NULL,
	`tokens` real NOT NULL,
	`cost` real NOT NULL,
	`input_tokens` real NOT NULL,
	`output_tokens` real NOT NULL,
	`sketch` text,
	`feedback` text,
	PRIMARY KEY(`project_id`, `dim`, `grain`, `bucket`, `grp`)
);
--> statement-breakpoint
-- Backfill (hand-written): every hour that already has traces is stale, so the cron pass
-- (workers/monitoring/rollup-pass.ts) rolls it up; readers compute it on read until then.
INSERT OR IGNORE INTO `stats_dirty` (`project_id`, `hour`, `token`)
SELECT DISTINCT `project_id`, `start_time` - (`start_time` % 3600000), NULL FROM `traces`;
