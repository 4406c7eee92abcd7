-- Join codes of live rooms. The primary key makes a code unique across every process sharing
-- this database; a room holds at most one code. Rows go away when the room is disposed, or when
-- the process that holds them stops heart-beating (a crash).
CREATE TABLE IF NOT EXISTS server_processes (
  process_id   VARCHAR(64)  NOT NULL,
  heartbeat_at DATETIME(3)  NOT NULL,
  started_at   DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (process_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS room_codes (
  code        CHAR(6)      NOT NULL,
  room_id     VARCHAR(64)  NOT NULL,
  process_id  VARCHAR(64)  NOT NULL,
  created_at  DATETIME(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (code),
  UNIQUE KEY uq_room_codes_room (room_id),
  KEY idx_room_codes_process (process_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
