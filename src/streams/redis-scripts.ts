/**
 * The Lua scripts of the Redis store. Each runs atomically on the node that holds the run's slot (all
 * its keys share one hash tag), so the checks and the writes of one step cannot interleave with another
 * instance's. Times (lease expiry) come from the caller's injected clock, not Redis' own, so that the
 * lease logic can be tested by moving a clock; instances must keep their clocks in sync (NTP), a lease
 * lasting far longer than any usual skew.
 */

/** Errors the scripts raise, matched by prefix in the replies. */
export const SCRIPT_ERRORS = {
  noStream: 'CORCH_NOSTREAM',
  seq: 'CORCH_SEQ',
  leaseLost: 'CORCH_LEASE',
  exists: 'CORCH_EXISTS',
} as const;

/**
 * KEYS: state. ARGV: field, value, … (the initial state, JSON values, plus the private fields).
 * Refuses an existing id; `~seq` starts at 0.
 */
export const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('${SCRIPT_ERRORS.exists}') end
redis.call('HSET', KEYS[1], '~seq', '0', unpack(ARGV))
return 1
`;

/**
 * KEYS: log, state, lease. ARGV: owner ('' for none), n, then n × (seq, name, json), then the patch as
 * field, value, … . Appends the entries (XADD with the id `<seq>-0`, so Redis itself refuses a repeat),
 * merges the patch into the state, and gives the log the state's expiry. Checks, before writing anything:
 * the stream exists; the lease, when there is one, is the caller's (a previous owner that lost its lease
 * writes nothing more); the first seq follows the last. A repeat of entries that are already stored with
 * the same names and JSON (first and last compared) (a retry after a lost reply) succeeds without writing them twice, returning 0.
 */
export const APPEND_SCRIPT = `
local last = redis.call('HGET', KEYS[2], '~seq')
if not last then return redis.error_reply('${SCRIPT_ERRORS.noStream}') end
last = tonumber(last)
local owner = ARGV[1]
if owner ~= '' then
  local lease = redis.call('GET', KEYS[3])
  if lease then
    local bar = string.find(lease, '|', 1, true)
    if string.sub(lease, bar + 1) ~= owner then return redis.error_reply('${SCRIPT_ERRORS.leaseLost} ' .. string.sub(lease, bar + 1)) end
  end
end
local n = tonumber(ARGV[2])
local patchAt = 3 + n * 3
if n > 0 then
  local first = tonumber(ARGV[3])
  if first <= last and last >= first + n - 1 then
    local head = redis.call('XRANGE', KEYS[1], first .. '-0', first .. '-0')[1]
    local tail = redis.call('XRANGE', KEYS[1], (first + n - 1) .. '-0', (first + n - 1) .. '-0')[1]
    local lastAt = 3 + (n - 1) * 3
    if head and tail and head[2][2] == ARGV[4] and head[2][4] == ARGV[5] and tail[2][2] == ARGV[lastAt + 1] and tail[2][4] == ARGV[lastAt + 2] then
      return 0
    end
  end
  if first ~= last + 1 then
    return redis.error_reply('${SCRIPT_ERRORS.seq} expected seq ' .. (last + 1) .. ', got ' .. first)
  end
  for i = 0, n - 1 do
    local at = 3 + i * 3
    redis.call('XADD', KEYS[1], ARGV[at] .. '-0', 'n', ARGV[at + 1], 'd', ARGV[at + 2])
  end
  redis.call('HSET', KEYS[2], '~seq', tostring(last + n))
end
if #ARGV >= patchAt then redis.call('HSET', KEYS[2], unpack(ARGV, patchAt)) end
local ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 and n > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;

/** KEYS: log, state, lease, declined. ARGV: ttl ms. Every key of the run expires together. */
export const EXPIRE_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
return 1
`;

/**
 * KEYS: lease. ARGV: owner, now ms, lease ms, mode. Mode `renew`: extends the lease only if it is the
 * caller's (0 otherwise: another instance took the run over). Mode `acquire`: takes the lease if there
 * is none, it has expired or it is the caller's, returning `<previous owner>|<its expiry>` ('|0' when
 * there was none; an expiry of 0 means it was released), or false (nil) when a live owner holds it. Mode `release`: ends the caller's lease at once (a hand-over), so the next instance need
 * not wait for it to expire. Mode `drop`: deletes the caller's lease (its run ended); another's is kept. The key itself outlives the lease by far, only as a safety net for cleanup.
 */
export const LEASE_SCRIPT = `
local lease = redis.call('GET', KEYS[1])
local owner, now, ms, mode = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local holder, expires = '', 0
if lease then
  local bar = string.find(lease, '|', 1, true)
  expires = tonumber(string.sub(lease, 1, bar - 1))
  holder = string.sub(lease, bar + 1)
end
if mode == 'renew' then
  if holder ~= owner then return 0 end
  redis.call('SET', KEYS[1], tostring(now + ms) .. '|' .. owner, 'PX', tostring(ms * 20))
  return 1
elseif mode == 'acquire' then
  if holder ~= '' and holder ~= owner and expires > now then return false end
  redis.call('SET', KEYS[1], tostring(now + ms) .. '|' .. owner, 'PX', tostring(ms * 20))
  return holder .. '|' .. tostring(expires)
elseif mode == 'release' then
  if holder ~= owner then return 0 end
  redis.call('SET', KEYS[1], '0|' .. owner, 'PX', tostring(ms * 20))
  return 1
elseif mode == 'drop' then
  if holder ~= owner then return 0 end
  redis.call('DEL', KEYS[1])
  return 1
end
return redis.error_reply('unknown lease mode ' .. mode)
`;
