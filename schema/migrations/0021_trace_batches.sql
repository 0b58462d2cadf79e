CREATE TABLE `trace_batches` (
	`project_id` text NOT NULL,
	`trace_id` text NOT NULL,
	`batch_key` text NOT NULL,
	PRIMARY KEY(`project_id`, `trace_id`, `batch_key`)
);
--> statement-breakpoint
CREATE INDEX `trace_batches_key` ON `trace_batches` (`project_id`,`batch_key`);--> statement-breakpoint
-- Backfill from the refs the index already has (copies no ref names were not recorded before this table).
INSERT OR IGNORE INTO `trace_batches` (`project_id`, `trace_id`, `batch_key`)
SELECT `project_id`, `trace_id`, substr(`input_ref`, 1, instr(`input_ref`, '#') - 1) FROM `spans` WHERE `input_ref` LIKE 'spans/%#%'
UNION SELECT `project_id`, `trace_id`, substr(`output_ref`, 1, instr(`output_ref`, '#') - 1) FROM `spans` WHERE `output_ref` LIKE 'spans/%#%';
