-- Durable rooms. A room's match log (every accepted change, in order) is written before the change
-- is acknowledged, so that another process can restore the room by replaying it. room_logs has a row
-- per room (closed_at stays NULL while the room may still be restored); room_log_entries holds the
-- entries as JSON text, keyed by position. Ownership stays in room_codes.process_id ('' = handed over
-- at a graceful stop, waiting for a process to claim it).
CREATE TABLE IF NOT EXISTS room_logs (
  room_id   VARCHAR(64) NOT NULL,
  opened_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  closed_at DATETIME(3) NULL,
  PRIMARY KEY (room_id),
  KEY idx_room_logs_closed_at (closed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS room_log_entries (
  room_id VARCHAR(64)  NOT NULL,
  n       INT UNSIGNED NOT NULL,
  entry   MEDIUMTEXT   NOT NULL,
  PRIMARY KEY (room_id, n),
  CONSTRAINT chk_room_log_entries_n CHECK (n >= 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The ALTERs below run only when their column or key is missing (MySQL 8.0 has no ADD COLUMN IF NOT
-- EXISTS), so a file interrupted half-way can run again.

-- Where clients reach a process; replaced_by: a later process registered on the same address,
-- which takes this one's rooms over.
SET @ddl = IF((SELECT COUNT(*) FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'server_processes' AND COLUMN_NAME = 'address') = 0,
              'ALTER TABLE server_processes ADD COLUMN address VARCHAR(255) NULL',
              'DO 0');
PREPARE ddl FROM @ddl;
EXECUTE ddl;
DEALLOCATE PREPARE ddl;

SET @ddl = IF((SELECT COUNT(*) FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'server_processes' AND COLUMN_NAME = 'replaced_by') = 0,
              'ALTER TABLE server_processes ADD COLUMN replaced_by VARCHAR(64) NULL',
              'DO 0');
PREPARE ddl FROM @ddl;
EXECUTE ddl;
DEALLOCATE PREPARE ddl;

SET @ddl = IF((SELECT COUNT(*) FROM information_schema.STATISTICS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'server_processes' AND INDEX_NAME = 'idx_server_processes_address') = 0,
              'ALTER TABLE server_processes ADD KEY idx_server_processes_address (address)',
              'DO 0');
PREPARE ddl FROM @ddl;
EXECUTE ddl;
DEALLOCATE PREPARE ddl;

-- A finished match is recorded once per key. Matches recorded before keys existed get one made of
-- their room and id, which is unique, so that the unique key can be added.
SET @ddl = IF((SELECT COUNT(*) FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'matches' AND COLUMN_NAME = 'match_key') = 0,
              'ALTER TABLE matches ADD COLUMN match_key VARCHAR(191) NULL AFTER id',
              'DO 0');
PREPARE ddl FROM @ddl;
EXECUTE ddl;
DEALLOCATE PREPARE ddl;

UPDATE matches SET match_key = CONCAT(room_id, '#', id) WHERE match_key IS NULL;

ALTER TABLE matches MODIFY match_key VARCHAR(191) NOT NULL;

SET @ddl = IF((SELECT COUNT(*) FROM information_schema.STATISTICS
                WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'matches' AND INDEX_NAME = 'uq_matches_key') = 0,
              'ALTER TABLE matches ADD UNIQUE KEY uq_matches_key (match_key)',
              'DO 0');
PREPARE ddl FROM @ddl;
EXECUTE ddl;
DEALLOCATE PREPARE ddl;
