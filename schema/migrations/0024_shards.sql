CREATE TABLE `shard_moves` (
	`id` text PRIMARY KEY NOT NULL,
	`project` text NOT NULL,
	`from` text NOT NULL,
	`to` text NOT NULL,
	`state` text NOT NULL,
	`step` text NOT NULL,
	`cursor` text,
	`counts` text,
	`started` integer NOT NULL,
	`finished` integer,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `shard_moves_project` ON `shard_moves` (`project`,`started`);--> statement-breakpoint
CREATE TABLE `shards` (
	`name` text PRIMARY KEY NOT NULL,
	`capacity` integer,
	`created` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `projects` ADD `shard` text DEFAULT 'DB' NOT NULL;--> statement-breakpoint
ALTER TABLE `projects` ADD `shard_state` text DEFAULT 'active' NOT NULL;