-- A finished match is linked to its part of its room's match log (room_logs / room_log_entries,
-- which are kept after the room closes), so that GET /matches/:id/replay and `npm run replay` are
-- the rules applied to the log. log_last_n: the position of the room's last log entry when the
-- match was recorded; the game ended at or before it. The match's game is the one begun by the last
-- `start` entry at or before log_last_n (a room may play several matches, each begun by its own
-- `start` entry after the one before has finished). final_hash: the state hash (src/match/hash.ts)
-- of the final game state as the room held it, which a replay of the log must reach. Both NULL for
-- matches recorded before (their room played one match: its whole log). Added only when missing.
SET @ddl = IF((SELECT COUNT(*) FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'matches' AND COLUMN_NAME = 'log_last_n') = 0,
              'ALTER TABLE matches ADD COLUMN log_last_n INT UNSIGNED NULL',
              'DO 0');
PREPARE ddl FROM @ddl;
EXECUTE ddl;
DEALLOCATE PREPARE ddl;

SET @ddl = IF((SELECT COUNT(*) FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'matches' AND COLUMN_NAME = 'final_hash') = 0,
              'ALTER TABLE matches ADD COLUMN final_hash CHAR(16) NULL',
              'DO 0');
PREPARE ddl FROM @ddl;
EXECUTE ddl;
DEALLOCATE PREPARE ddl;
