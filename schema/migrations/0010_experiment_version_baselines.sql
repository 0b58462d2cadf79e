CREATE TABLE `experiment_version_baselines` (
	`project_id` text NOT NULL,
	`dataset_id` text NOT NULL,
	`dataset_version` integer NOT NULL,
	`experiment_id` text NOT NULL,
	`pinned_at` integer NOT NULL,
	`pinned_by` text,
	PRIMARY KEY(`project_id`, `dataset_id`, `dataset_version`)
);
