CREATE TABLE `redaction_settings` (
	`project_id` text PRIMARY KEY NOT NULL,
	`enabled` integer NOT NULL,
	`mode` text NOT NULL,
	`detectors` text NOT NULL,
	`custom` text NOT NULL,
	`hash_key_sealed` text,
	`updated_at` integer NOT NULL
);
