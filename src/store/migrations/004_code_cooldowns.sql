-- Released join codes, kept out of use for a while (CODE_COOLDOWN_SECONDS) so that an old invite
-- link never lands in a stranger's room. A row is written whenever a code leaves room_codes (the
-- room disposed, its process swept or gone); reserving a code whose release is recent fails, and
-- the housekeeping sweep deletes rows whose cooldown is over.
CREATE TABLE IF NOT EXISTS released_codes (
  code        CHAR(6)     NOT NULL,
  released_at DATETIME(3) NOT NULL,
  PRIMARY KEY (code),
  KEY idx_released_codes_released_at (released_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
