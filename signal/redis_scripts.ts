/**
 * The shared lobby's steps as Redis Lua scripts. Redis runs each script atomically and one at a
 * time, so two processes joining the same room, or two quick-matches racing for the same open
 * room, are simply ordered: the second sees the first's result (`room-full`, or the room it just
 * opened). No locks, no WATCH retries.
 *
 * Every script also sends what its step causes, inside the same atomic step: messages for a
 * player are appended to the inbox stream of the process holding that player's socket
 * (`<P>:inbox:<process>`, field `m` = `"<player id> <json>"`), room-list changes are published on
 * `<P>:ev` (as `{"s": seq, "room": RoomInfo}` or `{"s": seq, "removed": id}`, seq counting every
 * event). A stream keeps what a briefly disconnected reader missed, so no `paired` or `signal` is
 * lost to a network blip; the room list needs no such care, a process that missed an event (a gap
 * in seq) reloads the whole list. A script run for a request that sent anything to the caller's
 * process, or that does not answer ok, ends by appending `"!<token>"` to the caller's own inbox:
 * when that arrives, everything the step sent to the caller's process has arrived before it. A
 * step that sent nothing there (a signal relayed to another process's player) appends no ack, so
 * a relayed message is one script and one inbox entry (see `script` below).
 *
 * Data model (P = the configured prefix):
 *
 *     P:player:<id>         hash  proc, name, skel (nameSkeleton of name), room?, game, version,
 *                                 watch? (the room it watches as a spectator)
 *     P:names               hash  name skeleton -> the player holding it (look-alike names)
 *     P:procplayers:<proc>  set   player ids held by a lobby process
 *     P:procs               set   lobby processes that registered
 *     P:inbox:<proc>        stream messages for the process's players (capped, deleted with it)
 *     P:alive:<proc>        string with a TTL: the process's heartbeat
 *     P:room:<id>           hash  name, code ("" if public), pw ("" or salt:hash hex), a (offerer),
 *                                 b (answerer or ""), state, session, createdAt, seq, game,
 *                                 version, offered ("1" once the offerer's offer was relayed),
 *                                 ta, tb (resume tokens of seats a and b, "" when none), away
 *                                 ("a"/"b": that seat's player dropped mid-match and its id
 *                                 stays in the seat until it resumes or awayuntil, ms, passes)
 *     P:resume:<token>      hash  room, session, st ("live", or "expired"/"finished" for
 *                                 RESUME_TOMBSTONE_MS once the seat ended)
 *     P:away                zset  rooms with a held seat, by the ms its grace ends
 *     P:rooms               set   every room id (the MAX_ROOMS count)
 *     P:public              zset  public room ids by creation seq (the room list, oldest first)
 *     P:quick               zset  open public unlocked rooms by seq (quick match takes the lowest),
 *                                 default scope; P:quick:<game>:<version> for other scopes
 *     P:code:<CODE>         string  private room id by invite code
 *     P:roomseq, P:evseq    counters
 *     P:states              hash  rooms by state (open/full/playing), for metrics
 *     P:spect:<room>        set   the room's spectators
 *     P:stream:<room>       hash  header (JSON), frames, closed ("1" once ended); with a TTL
 *                           while open, none once ended (it goes with the pairing)
 *     P:backlog:<room>      string  the stream's inputs so far (hex); with a TTL
 *
 * Inbox entries starting with `*` are one message for several players of that process,
 * `"*<id>,<id>,... <json>"` (a stream batch for a room's spectators, written once per process).
 * Inbox entries starting with `#` are hook events (lobby_hooks.ts) for the process that ran the
 * step: exactly one process fires each. Every read of stored data is checked (wrong key types,
 * missing fields, non-numeric numbers): bad entries are skipped and repaired, never fatal, and no
 * stored value is pasted into JSON unencoded.
 *
 * ARGV of every script: [1] prefix, [2] calling process id, [3] ack token ("" for none), then the
 * step's own arguments. Results are arrays of strings: `{"ok", ...}`, `{"error", code, message}`,
 * `{"gone"}` (the player is not registered: reaped), `{"retry"}` (a random id collided).
 */

/** Helpers every script needs: keys, checked reads, inbox posts, room-list events. */
const PRELUDE = `
local P, ME, ACK = ARGV[1], ARGV[2], ARGV[3]
local function key(...) return P .. ':' .. table.concat({...}, ':') end
local function q(s) return cjson.encode(s) end
-- Redis data may be damaged or foreign (a key of the wrong type, a field missing): every read
-- goes through pcall and a check, so one bad entry is skipped (and repaired), never fatal.
local function failed(x) return type(x) == 'table' and x.err ~= nil end
local function hash(k)
  local flat = redis.pcall('HGETALL', k)
  if failed(flat) or #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
local function field(k, f)
  local v = redis.pcall('HGET', k, f)
  if failed(v) or not v then return nil end
  return v
end
-- A finite number from a stored string, or nil.
local function num(s)
  local n = tonumber(s)
  if n == nil or n ~= n or n == math.huge or n == -math.huge then return nil end
  return n
end
local STATES = { open = true, full = true, playing = true }
local function valid_room(r)
  return r ~= nil and r.name ~= nil and r.code ~= nil and r.pw ~= nil and r.a ~= nil and
    r.b ~= nil and r.state ~= nil and STATES[r.state] == true and num(r.createdAt) ~= nil and
    num(r.seq) ~= nil
end
local function count_state(st, d) redis.pcall('HINCRBY', key('states'), st, d) end
local function quick_key(game, version)
  if (game or '') == '' and (version or '') == '' then return key('quick') end
  return key('quick', game or '', version or '')
end
local function rid_part(rid) if rid == '' then return '' end return ',"rid":' .. rid end
-- Whether this step sent anything to the calling process (then the caller waits for its ack).
local POSTED = false
local function post(proc, text)
  if proc == ME then POSTED = true end
  redis.call('XADD', key('inbox', proc), 'MAXLEN', '~', '10000', '*', 'm', text)
end
local function tell(pid, json)
  local proc = field(key('player', pid), 'proc')
  if proc then post(proc, pid .. ' ' .. json) end
end
-- Hook events go to the inbox of the process running this step: exactly one process fires each.
local function hook(json) post(ME, '#' .. json) end
local function watchers(id)
  local n = redis.pcall('SCARD', key('spect', id))
  if failed(n) or n == 0 then return '' end
  return ',"spectators":' .. n
end
local function info(id, r)
  local players = 1
  if r.b ~= '' then players = 2 end
  local scope = ''
  if (r.game or '') ~= '' then scope = scope .. ',"game":' .. q(r.game) end
  if (r.version or '') ~= '' then scope = scope .. ',"version":' .. q(r.version) end
  -- Numbers are formatted here, never pasted from storage: a crafted createdAt stays a number.
  return '{"id":' .. q(id) .. ',"name":' .. q(r.name) .. ',"players":' .. players ..
    ',"capacity":2,"state":' .. q(r.state) .. ',"locked":' .. tostring(r.pw ~= '') ..
    ',"createdAt":' .. string.format('%.0f', num(r.createdAt) or 0) .. scope .. watchers(id) .. '}'
end
local function announce(id, r)
  if r.code ~= '' then return end
  local s = redis.call('INCR', key('evseq'))
  redis.call('PUBLISH', key('ev'), '{"s":' .. s .. ',"room":' .. info(id, r) .. '}')
end
local function announce_removed(id)
  local s = redis.call('INCR', key('evseq'))
  redis.call('PUBLISH', key('ev'), '{"s":' .. s .. ',"removed":' .. q(id) .. '}')
end
local function set_state(id, r, st)
  if r.state == st then return end
  count_state(r.state, -1)
  count_state(st, 1)
  r.state = st
  redis.call('HSET', key('room', id), 'state', st)
end
`;

/** The rest of the helpers: rooms, pairing, resume tokens, spectators, leaving. */
const PRELUDE_ROOMS = `
local function requeue(id, r)
  if r.code == '' and r.pw == '' and r.state == 'open' then
    redis.call('ZADD', quick_key(r.game, r.version), tonumber(r.seq), id)
  else
    redis.call('ZREM', quick_key(r.game, r.version), id)
  end
end
local function joined(id, r, rid)
  local code = ''
  if r.code ~= '' then code = ',"code":' .. q(r.code) end
  return '{"type":"joined","room":' .. info(id, r) .. code .. rid_part(rid) .. '}'
end
local function open_room(pid, id, name, code, pw, now, rid, game, version)
  local seq = redis.call('INCR', key('roomseq'))
  local r = { name = name, code = code, pw = pw, a = pid, b = '', state = 'open', session = '',
    createdAt = now, seq = tostring(seq), game = game, version = version, offered = '' }
  redis.call('HSET', key('room', id), 'name', name, 'code', code, 'pw', pw, 'a', pid, 'b', '',
    'state', 'open', 'session', '', 'createdAt', now, 'seq', seq, 'game', game,
    'version', version, 'offered', '')
  redis.call('SADD', key('rooms'), id)
  count_state('open', 1)
  if code == '' then
    redis.call('ZADD', key('public'), seq, id)
  else
    redis.call('SET', key('code', code), id)
  end
  redis.call('HSET', key('player', pid), 'room', id)
  requeue(id, r)
  tell(pid, joined(id, r, rid))
  announce(id, r)
end
-- Whether player p may enter room r: nil, or the error to answer.
local function scope_error(p, r)
  if (r.game or '') ~= (p.game or '') then
    return {'error', 'wrong-game', 'that room is for another game'}
  end
  if (r.version or '') ~= (p.version or '') then
    return {'error', 'incompatible-version', 'that room is for another version of the game'}
  end
  return nil
end
-- paired for one player: its peer, role, session, resume token ("" for none), resumed flag.
local function paired(peer, pname, role, session, token, resumed)
  local extra = ''
  if token ~= '' then extra = ',"resume":' .. q(token) end
  if resumed then extra = extra .. ',"resumed":true' end
  return '{"type":"paired","peer":{"id":' .. q(peer) .. ',"name":' .. q(pname) ..
    '},"role":"' .. role .. '","session":' .. q(session) .. extra .. '}'
end
local function live_token(token, id, session)
  if token == '' then return end
  redis.call('HSET', key('resume', token), 'room', id, 'session', session, 'st', 'live')
  -- A safety net only: the token is buried when its session ends.
  redis.call('PEXPIRE', key('resume', token), 86400000)
end
local function bury(token, why, keep_ms)
  if token == nil or token == '' then return end
  if redis.call('EXISTS', key('resume', token)) == 0 then return end
  redis.pcall('HSET', key('resume', token), 'st', why)
  redis.call('PEXPIRE', key('resume', token), keep_ms)
end
local function enter(id, r, pid, pname, rid, session, ta, tb)
  local first = r.a
  r.b = pid
  r.session = session
  redis.call('HSET', key('room', id), 'b', pid, 'session', session, 'offered', '', 'ta', ta,
    'tb', tb, 'away', '')
  live_token(ta, id, session)
  live_token(tb, id, session)
  set_state(id, r, 'full')
  redis.call('HSET', key('player', pid), 'room', id)
  requeue(id, r)
  tell(pid, joined(id, r, rid))
  local fname = field(key('player', first), 'name') or ''
  tell(first, paired(pid, pname, 'offerer', session, ta, false))
  tell(pid, paired(first, fname, 'answerer', session, tb, false))
  hook('{"type":"paired","session":' .. q(session) .. ',"room":' .. q(id) .. ',"game":' ..
    q(r.game or '') .. ',"version":' .. q(r.version or '') .. ',"players":[{"id":' .. q(first) ..
    ',"name":' .. q(fname) .. ',"role":"offerer"},{"id":' .. q(pid) .. ',"name":' .. q(pname) ..
    ',"role":"answerer"}]}')
  announce(id, r)
end
-- One inbox entry per process holding some of \`ids\`, in order of first appearance.
local function fanout(ids, json)
  local procs, lists = {}, {}
  for _, sid in ipairs(ids) do
    local proc = field(key('player', sid), 'proc')
    if proc then
      if lists[proc] then lists[proc] = lists[proc] .. ',' .. sid else
        procs[#procs + 1] = proc
        lists[proc] = sid
      end
    end
  end
  for _, proc in ipairs(procs) do post(proc, '*' .. lists[proc] .. ' ' .. json) end
end
local function spectators(id)
  local ids = redis.pcall('SMEMBERS', key('spect', id))
  if failed(ids) then
    redis.call('DEL', key('spect', id))
    return {}
  end
  return ids
end
-- The stored header if it is JSON (it was encoded from a validated one), else nil.
local function stored_header(st)
  if not st or type(st.header) ~= 'string' then return nil end
  if not pcall(cjson.decode, st.header) then return nil end
  return st.header
end
-- Ends the room's stream for its spectators (stream-end, then in no room); whether it had any.
local function end_stream(id, reason)
  if redis.call('EXISTS', key('stream', id)) == 1 then
    -- Ended is kept for as long as the pairing (reopen and remove_room delete it): a TTL would
    -- bring the stream back to life, to be watched and resumed from frame 0.
    redis.pcall('HSET', key('stream', id), 'closed', '1')
    redis.pcall('PERSIST', key('stream', id))
  end
  redis.call('DEL', key('backlog', id))
  local ids = spectators(id)
  if #ids == 0 then return false end
  for _, sid in ipairs(ids) do redis.pcall('HDEL', key('player', sid), 'watch') end
  redis.call('DEL', key('spect', id))
  fanout(ids, '{"type":"stream-end","room":' .. q(id) .. ',"reason":' .. q(reason) .. '}')
  return true
end
local function unwatch(pid)
  local id = field(key('player', pid), 'watch')
  if not id then return end
  redis.pcall('HDEL', key('player', pid), 'watch')
  redis.pcall('SREM', key('spect', id), pid)
  local r = hash(key('room', id))
  if valid_room(r) then announce(id, r) end
end
local function remove_room(id, r)
  redis.call('DEL', key('room', id), key('spect', id), key('stream', id), key('backlog', id))
  redis.call('SREM', key('rooms'), id)
  if r and STATES[r.state] then count_state(r.state, -1) end
  redis.call('ZREM', quick_key(r and r.game, r and r.version), id)
  redis.call('ZREM', key('public'), id)
  if r and r.code ~= nil and r.code ~= '' then
    redis.call('DEL', key('code', r.code))
  else
    announce_removed(id)
  end
end
-- The room's session is over: hook, tokens buried (the away one as expired when the grace ran
-- out), the held seat given up.
local function end_session(id, r, reason, keep_ms)
  if (r.session or '') ~= '' then
    hook('{"type":"match-end","session":' .. q(r.session) .. ',"room":' .. q(id) ..
      ',"reason":' .. q(reason) .. '}')
  end
  local away = r.away or ''
  for _, seat in ipairs({'a', 'b'}) do
    local why = 'finished'
    if seat == away and reason == 'expired' then why = 'expired' end
    bury(r['t' .. seat], why, keep_ms)
  end
  redis.call('ZREM', key('away'), id)
  redis.call('HSET', key('room', id), 'ta', '', 'tb', '', 'away', '')
  r.away = ''
end
-- The room opens again for 'remaining' (told that 'gone' left), or goes if nobody remains.
local function reopen(id, r, remaining, gone)
  -- The pairing is over: so is its stream.
  end_stream(id, 'player-left')
  redis.call('DEL', key('stream', id))
  if remaining == '' or remaining == nil or redis.call('EXISTS', key('player', remaining)) == 0 then
    remove_room(id, r)
    return
  end
  r.a = remaining
  r.b = ''
  r.session = ''
  redis.call('HSET', key('room', id), 'a', remaining, 'b', '', 'session', '', 'offered', '')
  if STATES[r.state] then set_state(id, r, 'open') else
    r.state = 'open'
    redis.call('HSET', key('room', id), 'state', 'open')
  end
  requeue(id, r)
  tell(remaining, '{"type":"peer-left","id":' .. q(gone) .. '}')
  announce(id, r)
end
-- GRACE: {ms a dropped player's seat is held (0: never), now ms, tombstone ms}, or nil.
local function exit(pid, reason, grace)
  local id = field(key('player', pid), 'room')
  if not id then return end
  redis.pcall('HDEL', key('player', pid), 'room')
  local r = hash(key('room', id))
  if not r then return end
  local seat, remaining
  if r.a == pid then seat, remaining = 'a', r.b elseif r.b == pid then seat, remaining = 'b', r.a
  else return end
  local away = r.away or ''
  if away ~= '' then remaining = '' end
  -- Mid-match and the peer still here: hold the seat for a resume instead of ending the match.
  if grace and reason == 'disconnected' and grace[1] > 0 and r.state == 'playing' and
    away == '' and (r['t' .. seat] or '') ~= '' and (remaining or '') ~= '' and
    redis.call('EXISTS', key('player', remaining)) == 1 then
    local untilms = grace[2] + grace[1]
    redis.call('HSET', key('room', id), 'away', seat, 'awayuntil', string.format('%.0f', untilms))
    redis.call('ZADD', key('away'), untilms, id)
    tell(remaining, '{"type":"peer-away","id":' .. q(pid) .. ',"graceMs":' ..
      string.format('%.0f', grace[1]) .. '}')
    return
  end
  local keep_ms = 600000
  if grace then keep_ms = grace[3] end
  end_session(id, r, reason, keep_ms)
  reopen(id, r, remaining, pid)
end
local function forget(pid, reason, grace)
  local proc = field(key('player', pid), 'proc')
  local skel = field(key('player', pid), 'skel')
  if skel and field(key('names'), skel) == pid then redis.pcall('HDEL', key('names'), skel) end
  unwatch(pid)
  exit(pid, reason, grace)
  redis.call('DEL', key('player', pid))
  if proc then redis.pcall('SREM', key('procplayers', proc), pid) end
end
`;

/**
 * Wraps a step body: prelude, the body as a function, then the ack. With a token, the result is
 * prefixed by "1" when the ack was appended to the caller's inbox (the step sent something there,
 * or the caller will answer anything but ok itself: that reply must not overtake what was already
 * in the inbox), else "0": a relayed signal to another process's player is then one round trip.
 */
function script(body: string, lean = false): string {
  // A lean script (the relay's hot path) skips defining the ~30 helpers it never calls.
  return `${PRELUDE}${lean ? "" : PRELUDE_ROOMS}
local function step()
${body}
end
local result = step()
if ACK ~= '' then
  if POSTED or result[1] ~= 'ok' then
    post(ME, '!' .. ACK)
    table.insert(result, 1, '1')
  else
    table.insert(result, 1, '0')
  end
end
return result
`;
}

const ERR_ALREADY = `{'error', 'already-in-room', 'leave your room first'}`;
const ERR_STREAMER = `{'error', 'not-in-room', 'only a player of a room streams'}`;
const ERR_OFFERER = `{'error', 'bad-stream', "only the offerer's seat streams"}`;
const ERR_FULL_SERVER = `{'error', 'server-full', 'too many rooms, try later'}`;

/** The scripts by name; ARGV after the common three are listed per script. */
export const REDIS_SCRIPTS = {
  /** [4] player id, [5] name. Refuses when this process's heartbeat is gone (fenced). */
  connect: script(`
  if redis.call('EXISTS', key('alive', ME)) == 0 then return {'fenced'} end
  local pid = ARGV[4]
  redis.call('HSET', key('player', pid), 'proc', ME, 'name', ARGV[5])
  redis.call('SADD', key('procplayers', ME), pid)
  return {'ok'}`),

  /** [4] player id, [5] rid JSON or "", [6] "1" if [7] game and [8] version are given (else
   * the scope stays), then candidate names and their skeletons in pairs: the first whose
   * skeleton no other live player holds (P:names) is taken. Returns {"ok", game, version, "1" if
   * the scope changed}. */
  rename: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  local game, version = p.game or '', p.version or ''
  if ARGV[6] == '1' then game, version = ARGV[7], ARGV[8] end
  local moved = game ~= (p.game or '') or version ~= (p.version or '')
  if moved and p.room then
    return {'error', 'already-in-room', 'leave your room before changing game or version'}
  end
  local name, skel = ARGV[#ARGV - 1], ARGV[#ARGV]
  for i = 9, #ARGV - 1, 2 do
    local owner = redis.pcall('HGET', key('names'), ARGV[i + 1])
    if failed(owner) then
      redis.call('DEL', key('names'))
      owner = nil
    end
    if not owner or owner == pid or redis.call('EXISTS', key('player', owner)) == 0 then
      name, skel = ARGV[i], ARGV[i + 1]
      break
    end
  end
  if (p.skel or '') ~= '' and p.skel ~= skel and field(key('names'), p.skel) == pid then
    redis.call('HDEL', key('names'), p.skel)
  end
  redis.call('HSET', key('names'), skel, pid)
  redis.call('HSET', key('player', pid), 'name', name, 'skel', skel, 'game', game,
    'version', version)
  tell(pid, '{"type":"renamed","name":' .. q(name) .. rid_part(ARGV[5]) .. '}')
  local m = '0'
  if moved then m = '1' end
  return {'ok', game, version, m}`),

  /** [4] player, [5] new room id, [6] name, [7] invite code or "", [8] pw or "", [9] now ms,
   * [10] max rooms, [11] rid JSON or "". */
  create: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if p.room or p.watch then return ${ERR_ALREADY} end
  if redis.call('SCARD', key('rooms')) >= tonumber(ARGV[10]) then return ${ERR_FULL_SERVER} end
  if redis.call('EXISTS', key('room', ARGV[5])) == 1 then return {'retry'} end
  if ARGV[7] ~= '' and redis.call('EXISTS', key('code', ARGV[7])) == 1 then return {'retry'} end
  open_room(pid, ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[11], p.game or '',
    p.version or '')
  return {'ok'}`),

  /** Read-only: [4] player, [5] ref lowercased (public id), [6] ref uppercased (invite code),
   * [7] "watch" to find a room to watch (a full room is what a spectator wants), then [8] the
   * most spectators (playing and a free place are checked before the password, as in memory).
   * Returns {"ok", room id, pw} or an error, checked in the same order as the in-memory lobby. */
  resolve: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if p.room or p.watch then return ${ERR_ALREADY} end
  local id = ARGV[5]
  local r = hash(key('room', id))
  -- A private room's id is not a way in: only its code is.
  if r and r.code ~= '' then r = nil end
  if not r then
    id = redis.call('GET', key('code', ARGV[6]))
    if id then r = hash(key('room', id)) end
  end
  if not valid_room(r) then return {'error', 'room-not-found', ''} end
  local wrong = scope_error(p, r)
  if wrong then return wrong end
  if ARGV[7] == 'watch' then
    -- As in memory, before the password: nothing to watch, or no seat left, is not a guess.
    local st = hash(key('stream', id))
    if r.state ~= 'playing' or (st and st.closed == '1') then
      return {'error', 'room-not-playing', 'that room has no match in progress to watch'}
    end
    local n = redis.pcall('SCARD', key('spect', id))
    if not failed(n) and n >= (tonumber(ARGV[8]) or 0) then
      return {'error', 'too-many-spectators', 'a match may have ' .. ARGV[8] .. ' spectators'}
    end
  elseif r.b ~= '' then
    return {'error', 'room-full', 'the room already has two players'}
  end
  return {'ok', id, r.pw}`),

  /** [4] player, [5] room id, [6] the pw the caller verified, [7] rid JSON or "", [8] session,
   * [9] [10] resume tokens of seats a and b ("" for none). */
  join: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if p.room or p.watch then return ${ERR_ALREADY} end
  local r = hash(key('room', ARGV[5]))
  if not valid_room(r) then return {'error', 'room-not-found', ''} end
  local wrong = scope_error(p, r)
  if wrong then return wrong end
  if r.b ~= '' then return {'error', 'room-full', 'the room already has two players'} end
  if r.pw ~= ARGV[6] then return {'error', 'wrong-password', 'wrong password'} end
  enter(ARGV[5], r, pid, p.name, ARGV[7], ARGV[8], ARGV[9], ARGV[10])
  return {'ok', 'paired'}`),

  /** [4] player, [5] new room id, [6] now ms, [7] max rooms, [8] rid JSON or "", [9] session,
   * [10] [11] resume tokens of seats a and b ("" for none). */
  quick: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if p.room or p.watch then return ${ERR_ALREADY} end
  local qk = quick_key(p.game, p.version)
  -- A stale entry (room gone, damaged, no longer open, its player gone) is dropped, not joined.
  for _ = 1, 50 do
    local head = redis.pcall('ZRANGE', qk, 0, 0)
    if failed(head) then
      redis.call('DEL', qk)
      break
    end
    local oldest = head[1]
    if not oldest then break end
    local r = hash(key('room', oldest))
    if valid_room(r) and r.state == 'open' and r.b == '' and r.code == '' and r.pw == '' and
      scope_error(p, r) == nil and r.a ~= pid and
      redis.call('EXISTS', key('player', r.a)) == 1 then
      enter(oldest, r, pid, p.name, ARGV[8], ARGV[9], ARGV[10], ARGV[11])
      return {'ok', 'paired'}
    end
    redis.call('ZREM', qk, oldest)
  end
  if redis.call('SCARD', key('rooms')) >= tonumber(ARGV[7]) then return ${ERR_FULL_SERVER} end
  if redis.call('EXISTS', key('room', ARGV[5])) == 1 then return {'retry'} end
  open_room(pid, ARGV[5], p.name .. "'s room", '', '', ARGV[6], ARGV[8], p.game or '',
    p.version or '')
  return {'ok'}`),

  /** [4] player, [5] rid JSON or "". */
  leave: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if not p.room and not p.watch then return {'error', 'not-in-room', 'you are not in a room'} end
  tell(pid, '{"type":"left"' .. rid_part(ARGV[5]) .. '}')
  unwatch(pid)
  exit(pid, 'left')
  return {'ok'}`),

  /** [4] player, [5] signal kind, [6] the validated signal data as JSON, [7] the session it
   * names or "". A signal for another session is dropped ({"ok", "stale"}). */
  signal: script(
    `
  local pid = ARGV[4]
  -- Only the fields the relay reads (HMGET, not HGETALL): this runs for every relayed message.
  local room = redis.pcall('HGET', key('player', pid), 'room')
  if failed(room) then return {'gone'} end
  if not room then
    if redis.call('EXISTS', key('player', pid)) == 0 then return {'gone'} end
    return {'error', 'not-paired', 'you are not in a room'}
  end
  local f = redis.pcall('HMGET', key('room', room), 'a', 'b', 'session', 'state', 'offered')
  if failed(f) or not f[1] then return {'error', 'not-paired', 'you are not in a room'} end
  local a, b, session, state, offered = f[1], f[2] or '', f[3] or '', f[4], f[5]
  local peer = a
  if peer == pid then peer = b end
  if peer == '' then return {'error', 'not-paired', 'wait for \`paired\` before signalling'} end
  if ARGV[7] ~= '' and ARGV[7] ~= session then return {'ok', 'stale'} end
  tell(peer, '{"type":"signal","from":' .. q(pid) .. ',"data":' .. ARGV[6] .. ',"session":' ..
    q(session) .. '}')
  -- The lobby cannot see the peer connection; an answer to the offer is the last step it takes
  -- part in. Out of order (an answer with no offer, or from the wrong side) changes nothing.
  if state == 'full' then
    if ARGV[5] == 'offer' and pid == a then
      redis.call('HSET', key('room', room), 'offered', '1')
    elseif ARGV[5] == 'answer' and pid == b and offered == '1' then
      local r = hash(key('room', room))
      set_state(room, r, 'playing')
      announce(room, r)
    end
  end
  return {'ok'}`,
    true,
  ),

  /** [4] player, [5] room id (resolved), [6] the pw the caller verified, [7] rid JSON or "",
   * [8] spectators per room. Checked in the same order as the in-memory lobby. */
  watch: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if p.room or p.watch then return ${ERR_ALREADY} end
  local id = ARGV[5]
  local r = hash(key('room', id))
  if not valid_room(r) then return {'error', 'room-not-found', ''} end
  local wrong = scope_error(p, r)
  if wrong then return wrong end
  local st = hash(key('stream', id))
  if r.state ~= 'playing' or (st and st.closed == '1') then
    return {'error', 'room-not-playing', 'that room has no match in progress to watch'}
  end
  local n = redis.pcall('SCARD', key('spect', id))
  if failed(n) then
    redis.call('DEL', key('spect', id))
    n = 0
  end
  if n >= tonumber(ARGV[8]) then
    return {'error', 'too-many-spectators', 'a match may have ' .. ARGV[8] .. ' spectators'}
  end
  if r.pw ~= ARGV[6] then return {'error', 'wrong-password', 'wrong password'} end
  redis.call('SADD', key('spect', id), pid)
  redis.call('HSET', key('player', pid), 'watch', id)
  local header = stored_header(st)
  local h = ''
  if header then h = ',"header":' .. header end
  tell(pid, '{"type":"watching","room":' .. info(id, r) .. h .. rid_part(ARGV[7]) .. '}')
  if header and (num(st.frames) or 0) > 0 then
    local backlog = redis.pcall('GET', key('backlog', id))
    if type(backlog) == 'string' and #backlog % 4 == 0 and string.find(backlog, '^[0-9a-f]+$') then
      tell(pid, '{"type":"stream","room":' .. q(id) .. ',"from":0,"inputs":' .. q(backlog) .. '}')
    end
  end
  announce(id, r)
  return {'ok'}`),

  /** [4] player, [5] first frame, [6] inputs (validated hex), [7] header JSON (validated) or "",
   * [8] backlog bytes kept, [9] backlog TTL ms. {"ok"}, {"ok", "stale"} (dropped: a repeat, or
   * late), {"ok", "resend"} (a gap: the caller was told stream-from) or an error. Seat a streams,
   * and a batch is cut to the frames the backlog lacks (the rules of room_stream.ts). */
  stream: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if not p.room then return ${ERR_STREAMER} end
  local id = p.room
  local r = hash(key('room', id))
  if not valid_room(r) then return ${ERR_STREAMER} end
  -- A batch that crossed a leave (the pairing is over) is stale, not wrong.
  if r.state ~= 'playing' then return {'ok', 'stale'} end
  -- Seat a is the offerer's of the session, kept by a resume: the stream belongs to it.
  if r.a ~= pid then return ${ERR_OFFERER} end
  local from, inputs, header = tonumber(ARGV[5]), ARGV[6], ARGV[7]
  local st = hash(key('stream', id))
  local starts = from == 0 and header ~= ''
  if st and st.closed == '1' and not starts then return {'ok', 'stale'} end
  local frames = st and num(st.frames)
  local fresh = not st or st.closed == '1' or frames == nil
  if fresh then
    if not starts then
      return {'error', 'bad-stream', 'a stream starts at frame 0 with its header'}
    end
    frames = 0
  elseif header ~= '' and header ~= stored_header(st) then
    return {'error', 'bad-stream', 'a stream has one header; send stream-end first'}
  end
  -- The rules of room_stream.ts: a gap asks for a resend, a repeat is cut to its new frames.
  if from > frames then
    tell(pid, '{"type":"stream-from","room":' .. q(id) .. ',"from":' ..
      string.format('%d', frames) .. '}')
    return {'ok', 'resend'}
  end
  local skip = (frames - from) * 4
  if skip >= #inputs then return {'ok', 'stale'} end
  inputs = string.sub(inputs, skip + 1)
  from = frames
  if fresh then
    redis.call('DEL', key('stream', id), key('backlog', id))
    redis.call('HSET', key('stream', id), 'header', header, 'frames', '0', 'closed', '')
  end
  local len = redis.pcall('STRLEN', key('backlog', id))
  if failed(len) then
    redis.call('DEL', key('backlog', id))
    len = 0
  end
  if len + #inputs > tonumber(ARGV[8]) then
    if end_stream(id, 'too-long') then announce(id, r) end
    return {'error', 'bad-stream', 'the stream is too long to keep; spectators were let go'}
  end
  redis.call('APPEND', key('backlog', id), inputs)
  redis.call('HSET', key('stream', id), 'frames', string.format('%d', frames + #inputs / 4))
  redis.call('PEXPIRE', key('stream', id), ARGV[9])
  redis.call('PEXPIRE', key('backlog', id), ARGV[9])
  local ids = spectators(id)
  if #ids > 0 then
    -- A spectator who came before the header learns it with the first batch.
    local h = ''
    if from == 0 then h = ',"header":' .. header end
    fanout(ids, '{"type":"stream","room":' .. q(id) .. ',"from":' .. string.format('%d', from) ..
      ',"inputs":' .. q(inputs) .. h .. '}')
  end
  return {'ok'}`),

  /** [4] player, [5] reason (validated): the offerer's match is over; its spectators get
   * stream-end. */
  streamend: script(`
  local pid = ARGV[4]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if not p.room then return ${ERR_STREAMER} end
  local r = hash(key('room', p.room))
  if not valid_room(r) then return ${ERR_STREAMER} end
  -- An end that crossed a leave (the stream closed with the pairing) is stale, not wrong.
  if r.state ~= 'playing' then return {'ok'} end
  if r.a ~= pid then return ${ERR_OFFERER} end
  if end_stream(p.room, ARGV[5]) then announce(p.room, r) end
  return {'ok'}`),

  /** [4] player, [5] grace ms, [6] now ms, [7] tombstone ms. Leaves its room (the peer gets
   * peer-left), or holds its seat mid-match (the peer gets peer-away), and forgets it.
   * Idempotent. */
  disconnect: script(`
  forget(ARGV[4], 'disconnected', { num(ARGV[5]) or 0, num(ARGV[6]) or 0, num(ARGV[7]) or 600000 })
  return {'ok'}`),

  /** [4] player, [5] token, [6] rid JSON or "", [7] now ms, [8] tombstone ms. Re-seats the
   * player in the seat the token holds, if it is away: joined, then paired (resumed) to both. */
  resume: script(`
  local pid, token = ARGV[4], ARGV[5]
  local p = hash(key('player', pid))
  if not p then return {'gone'} end
  if p.room or p.watch then return ${ERR_ALREADY} end
  local t = hash(key('resume', token))
  if not t then return {'error', 'resume-unknown', 'no such resume token'} end
  local gone = {'error', 'resume-expired', 'the seat was given up: the grace period ran out'}
  if t.st == 'expired' then return gone end
  local over = {'error', 'match-finished', 'that match is over'}
  if t.st ~= 'live' or not t.room then return over end
  local id = t.room
  local r = hash(key('room', id))
  if not valid_room(r) or (r.session or '') ~= t.session then
    bury(token, 'finished', num(ARGV[8]) or 600000)
    return over
  end
  local seat
  if r.ta == token then seat = 'a' elseif r.tb == token then seat = 'b' else return over end
  if (r.away or '') ~= seat then
    return {'error', 'resume-in-use', 'that seat is held by a live connection'}
  end
  -- The expiry sweep may not have run yet; the answer must not depend on it.
  if (num(r.awayuntil) or 0) <= (num(ARGV[7]) or 0) then return gone end
  local wrong = scope_error(p, r)
  if wrong then return wrong end
  local other = r.b
  if seat == 'b' then other = r.a end
  r[seat] = pid
  r.away = ''
  redis.call('HSET', key('room', id), seat, pid, 'away', '')
  redis.call('ZREM', key('away'), id)
  redis.call('HSET', key('player', pid), 'room', id)
  tell(pid, joined(id, r, ARGV[6]))
  local oname = field(key('player', other), 'name') or ''
  local otoken = r.ta
  if seat == 'a' then otoken = r.tb end
  -- The returner offers: it has no peer connection, the survivor drops its stale one.
  tell(pid, paired(other, oname, 'offerer', r.session, token, true))
  tell(other, paired(pid, p.name or '', 'answerer', r.session, otoken, true))
  -- The streaming seat (a) is back: its stream goes on from the lobby's next frame.
  if seat == 'a' then
    local st = hash(key('stream', id))
    local from = 0
    if st then from = num(st.frames) end
    if st and st.closed == '1' then from = nil end
    if from ~= nil then
      tell(pid, '{"type":"stream-from","room":' .. q(id) .. ',"from":' ..
        string.format('%d', from) .. '}')
    end
  end
  return {'ok', 'resumed'}`),

  /** [4] now ms, [5] batch size, [6] tombstone ms. Gives up the held seats whose grace is over:
   * the match ends (expired), the peer gets peer-left. Returns {"ok", how many}. */
  expire: script(`
  local due = redis.pcall('ZRANGEBYSCORE', key('away'), '-inf', ARGV[4], 'LIMIT', 0,
    tonumber(ARGV[5]))
  if failed(due) then
    redis.call('DEL', key('away'))
    return {'ok', '0'}
  end
  local n = 0
  for _, id in ipairs(due) do
    redis.call('ZREM', key('away'), id)
    local r = hash(key('room', id))
    if valid_room(r) and (r.away == 'a' or r.away == 'b') then
      local gone, remaining = r.a, r.b
      if r.away == 'b' then gone, remaining = r.b, r.a end
      end_session(id, r, 'expired', num(ARGV[6]) or 600000)
      reopen(id, r, remaining, gone)
      n = n + 1
    end
  end
  return {'ok', tostring(n)}`),

  /** [4] a process whose heartbeat expired, [5] batch size, [6] the match-end reason, [7] grace
   * ms, [8] now ms, [9] tombstone ms (players mid-match keep their seats, as on a disconnect).
   * Forgets up to a batch of its players; {"more"} until none are left, then {"done"};
   * {"alive"} if its heartbeat is back. */
  reap: script(`
  local dead = ARGV[4]
  if redis.call('EXISTS', key('alive', dead)) == 1 then return {'alive'} end
  local pids = redis.pcall('SRANDMEMBER', key('procplayers', dead), tonumber(ARGV[5]))
  if failed(pids) then
    redis.call('DEL', key('procplayers', dead))
    pids = {}
  end
  for _, pid in ipairs(pids) do
    forget(pid, ARGV[6], { num(ARGV[7]) or 0, num(ARGV[8]) or 0, num(ARGV[9]) or 600000 })
    redis.call('SREM', key('procplayers', dead), pid)
  end
  if redis.call('SCARD', key('procplayers', dead)) > 0 then return {'more', tostring(#pids)} end
  redis.call('SREM', key('procs'), dead)
  redis.call('DEL', key('inbox', dead))
  return {'done', tostring(#pids)}`),

  /** {event seq, entries repaired, RoomInfo JSON...} of every public room, oldest first. A listed
   * room that is missing, damaged or of the wrong type is taken off the lists (repaired). */
  snapshot: script(`
  local seq = redis.pcall('GET', key('evseq'))
  if failed(seq) or num(seq) == nil then seq = '0' end
  local out = { seq, '0' }
  local ids = redis.pcall('ZRANGE', key('public'), 0, -1)
  local repaired = 0
  if failed(ids) then
    redis.call('DEL', key('public'))
    ids = {}
    repaired = repaired + 1
  end
  for _, id in ipairs(ids) do
    local r = hash(key('room', id))
    if valid_room(r) and r.code == '' then
      out[#out + 1] = info(id, r)
    else
      redis.call('ZREM', key('public'), id)
      redis.pcall('ZREM', key('quick'), id)
      repaired = repaired + 1
    end
  end
  out[2] = tostring(repaired)
  return out`),

  /** Read-only: the player ids this process holds in Redis (for reconciliation). */
  members: script(`
  local ids = redis.pcall('SMEMBERS', key('procplayers', ME))
  if failed(ids) then return {} end
  return ids`),
} as const;

/** A script's name. */
export type RedisScriptName = keyof typeof REDIS_SCRIPTS;
