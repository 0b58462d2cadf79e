CREATE TABLE `alert_events` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`alert_id` text NOT NULL,
	`kind` text NOT NULL,
	`value` real,
	`threshold` real NOT NULL,
	`delivery` text NOT NULL,
	`attempts` integer NOT NULL,
	`error` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `alert_events_alert` ON `alert_events` (`project_id`,`alert_id`,`at`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`metric` text NOT NULL,
	`comparator` text NOT NULL,
	`threshold` real NOT NULL,
	`window_minutes` integer NOT NULL,
	`filter` text NOT NULL,
	`webhook_url` text NOT NULL,
	`format` text NOT NULL,
	`cooldown_minutes` integer NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`active` integer NOT NULL,
	`state` text NOT NULL,
	`last_value` real,
	`last_checked_at` integer,
	`last_notified_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `alerts_active` ON `alerts` (`active`,`last_checked_at`);