// wire.js — the byte-level primitives every codec of the client shares: the envelope
// (protocol.js) and each game's payload codec (games/<mode>/codec.js). bincode 2 with
// little-endian fixed-size integers, u64 sequence lengths, 1-byte bools and f32 floats;
// `bytes` is a u64 length and raw bytes (bincode's Vec<u8>); layouts describe a record's
// fields once for the encoder and the decoder. Also the units both games share: the MOVE_*
// bits and the ×16 fixed point of positions.
//
// Owns: Writer, Reader, layouts, ProtocolError and those shared units. Must not: know any
// message or payload (the codecs do), touch the network, the DOM or game state. A Reader never
// trusts a length it reads: it checks every length against the bytes actually left, so
// malformed input throws a ProtocolError at once and never allocates more than the frame.

const POSITION_SCALE = 16;

export const MOVE_UP = 1;
export const MOVE_DOWN = 2;
export const MOVE_LEFT = 4;
export const MOVE_RIGHT = 8;
/** Every MOVE_* bit: a movement byte with any other bit set is refused (both games). */
export const MOVE_BITS = MOVE_UP | MOVE_DOWN | MOVE_LEFT | MOVE_RIGHT;

/** Thrown for bytes that are not one well-formed message, or a message that cannot be encoded. */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = "ProtocolError";
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

export class Writer {
  constructor() {
    this.data = new Uint8Array(64);
    this.view = new DataView(this.data.buffer);
    this.length = 0;
  }

  reserve(extra) {
    const needed = this.length + extra;
    if (needed <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Makes room for `count` more bytes and returns the offset they start at. */
  claim(count) {
    this.reserve(count);
    const at = this.length;
    this.length += count;
    return at;
  }

  // Every write claims before it reads `this.view` or `this.data`: claiming may replace them.
  u8(value, field) {
    checkInteger(value, 0, 0xff, field);
    const at = this.claim(1);
    this.view.setUint8(at, value);
  }

  i8(value, field) {
    checkInteger(value, -0x80, 0x7f, field);
    const at = this.claim(1);
    this.view.setInt8(at, value);
  }

  u16(value, field) {
    checkInteger(value, 0, 0xffff, field);
    const at = this.claim(2);
    this.view.setUint16(at, value, true);
  }

  u32(value, field) {
    checkInteger(value, 0, 0xffffffff, field);
    const at = this.claim(4);
    this.view.setUint32(at, value, true);
  }

  i32(value, field) {
    checkInteger(value, -0x80000000, 0x7fffffff, field);
    const at = this.claim(4);
    this.view.setInt32(at, value, true);
  }

  u64(value, field) {
    let big;
    if (typeof value === "bigint") {
      big = value;
    } else {
      checkInteger(value, 0, Number.MAX_SAFE_INTEGER, field);
      big = BigInt(value);
    }
    if (big < 0n || big > 0xffffffffffffffffn) {
      throw new ProtocolError(`${field} must be a u64, got ${value}`);
    }
    const at = this.claim(8);
    this.view.setBigUint64(at, big, true);
  }

  f32(value, field) {
    if (typeof value !== "number") {
      throw new ProtocolError(`${field} must be a number, got ${typeof value}`);
    }
    const at = this.claim(4);
    this.view.setFloat32(at, value, true);
  }

  bool(value, field) {
    if (typeof value !== "boolean") {
      throw new ProtocolError(`${field} must be a boolean, got ${typeof value}`);
    }
    this.u8(value ? 1 : 0, field);
  }

  string(value, field) {
    if (typeof value !== "string") {
      throw new ProtocolError(`${field} must be a string, got ${typeof value}`);
    }
    const encoded = utf8Encoder.encode(value);
    this.u64(encoded.length, `${field} length`);
    const at = this.claim(encoded.length);
    this.data.set(encoded, at);
  }

  /** `bytes`: a u64 length, then the bytes (bincode's Vec<u8>). */
  bytes(value, field) {
    this.u64(checkedBytes(value, field).length, `${field} length`);
    this.raw(value, field);
  }

  /** The bytes as they are, no length: a hand-packed frame's payload that runs to its end. */
  raw(value, field) {
    const bytes = checkedBytes(value, field);
    const at = this.claim(bytes.length);
    this.data.set(bytes, at);
  }

  finish() {
    return this.data.slice(0, this.length);
  }
}

function checkedBytes(value, field) {
  if (!(value instanceof Uint8Array)) {
    throw new ProtocolError(`${field} must be a Uint8Array, got ${Object.prototype.toString.call(value)}`);
  }
  return value;
}

export function checkInteger(value, min, max, field) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ProtocolError(`${field} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

export class Reader {
  constructor(bytes) {
    this.data = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = 0;
  }

  remaining() {
    return this.data.length - this.offset;
  }

  need(count, field) {
    if (this.remaining() < count) {
      throw new ProtocolError(
        `message ends inside ${field}: needs ${count} bytes at offset ${this.offset}, ` +
          `${this.remaining()} left`,
      );
    }
  }

  /** Checks that `count` bytes are left, steps over them and returns where they start. */
  take(count, field) {
    this.need(count, field);
    const at = this.offset;
    this.offset += count;
    return at;
  }

  u8(field) {
    return this.view.getUint8(this.take(1, field));
  }

  i8(field) {
    return this.view.getInt8(this.take(1, field));
  }

  u16(field) {
    return this.view.getUint16(this.take(2, field), true);
  }

  u32(field) {
    return this.view.getUint32(this.take(4, field), true);
  }

  i32(field) {
    return this.view.getInt32(this.take(4, field), true);
  }

  u64(field) {
    return this.view.getBigUint64(this.take(8, field), true);
  }

  f32(field) {
    return this.view.getFloat32(this.take(4, field), true);
  }

  bool(field) {
    const byte = this.u8(field);
    if (byte > 1) {
      throw new ProtocolError(`${field} is not a bool: byte ${byte} at offset ${this.offset - 1}`);
    }
    return byte === 1;
  }

  /** A u64 length, checked against the bytes left given the smallest size of one element. */
  length(field, minElementBytes) {
    const claimed = this.u64(`${field} length`);
    const possible = BigInt(Math.floor(this.remaining() / minElementBytes));
    if (claimed > possible) {
      throw new ProtocolError(
        `${field} claims ${claimed} elements but only ${this.remaining()} bytes are left`,
      );
    }
    return Number(claimed);
  }

  /** A Snapshot's list: a u16 count, checked against the bytes left, of fixed-size elements. */
  counted(field, elementBytes, readElement) {
    const claimed = this.u16(`${field} count`);
    if (claimed * elementBytes > this.remaining()) {
      throw new ProtocolError(
        `${field} claims ${claimed} elements but only ${this.remaining()} bytes are left`,
      );
    }
    const items = new Array(claimed);
    for (let i = 0; i < claimed; i++) items[i] = readElement(`${field}[${i}]`);
    return items;
  }

  string(field) {
    const length = this.length(field, 1);
    const at = this.take(length, field);
    const slice = this.data.subarray(at, at + length);
    try {
      return utf8Decoder.decode(slice);
    } catch {
      throw new ProtocolError(`${field} is not valid UTF-8`);
    }
  }

  /** `bytes`: a u64 length, checked against what is left, then a copy of that many bytes. */
  bytes(field) {
    const length = this.length(field, 1);
    const at = this.take(length, field);
    return this.data.slice(at, at + length);
  }

  /** A copy of every byte left: a hand-packed frame's payload, which runs to the frame's end. */
  rest() {
    const at = this.take(this.remaining(), "payload");
    return this.data.slice(at);
  }

  /** Refuses bytes after a record's end: a payload is exactly its fields. */
  end(what) {
    if (this.remaining() !== 0) {
      throw new ProtocolError(`${what} has ${this.remaining()} bytes left over after its end`);
    }
  }

  vec(field, minElementBytes, readElement) {
    const length = this.length(field, minElementBytes);
    const items = new Array(length);
    for (let i = 0; i < length; i++) items[i] = readElement(`${field}[${i}]`);
    return items;
  }
}

export function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new ProtocolError(`cannot decode a ${Object.prototype.toString.call(data)}; expected bytes`);
}

// Layouts: the fields of a message or a record in wire order, as [name, kind] pairs. A kind is
// a Writer/Reader method ("u8", "string", ...), another layout (a nested struct) or listOf(a
// layout) (a Vec). One layout serves the encoder and the decoder, so the two cannot disagree.

/** The fewest bytes a value of each Writer/Reader kind takes (a string: its u64 length). */
const MIN_BYTES = {
  u8: 1, i8: 1, bool: 1, u16: 2, u32: 4, i32: 4, f32: 4, u64: 8, string: 8, bytes: 8,
};

function minBytesOf(kind) {
  if (typeof kind === "string") return MIN_BYTES[kind];
  if (Array.isArray(kind)) return kind.reduce((sum, [, inner]) => sum + minBytesOf(inner), 0);
  // A list may be empty: its u64 length.
  return MIN_BYTES.u64;
}

/** A Vec of `layout`: a u64 length, then the elements. */
export function listOf(layout) {
  return { list: layout, minElementBytes: minBytesOf(layout) };
}

/** Writes `record`'s fields; a field is named `prefix` + its name in errors. */
export function writeFields(w, layout, record, prefix) {
  for (const [name, kind] of layout) writeValue(w, kind, record[name], prefix + name);
}

function writeValue(w, kind, value, field) {
  if (typeof kind === "string") {
    w[kind](value, field);
  } else if (Array.isArray(kind)) {
    writeFields(w, kind, value, `${field}.`);
  } else {
    w.u64(value.length, `${field} length`);
    value.forEach((item, i) => writeValue(w, kind.list, item, `${field}[${i}]`));
  }
}

/** Reads a layout's fields into `record` and returns it. */
export function readFields(r, layout, record, prefix) {
  for (const [name, kind] of layout) record[name] = readValue(r, kind, prefix + name);
  return record;
}

function readValue(r, kind, field) {
  if (typeof kind === "string") return r[kind](field);
  if (Array.isArray(kind)) return readFields(r, kind, {}, `${field}.`);
  return r.vec(field, kind.minElementBytes, (element) => readValue(r, kind.list, element));
}

/**
 * The one variant name of a serde-tagged enum value, e.g. "Kill" for `{ Kill: {...} }`, which
 * must be one of `names`.
 */
export function variantOf(value, names, field) {
  const keys = value && typeof value === "object" ? Object.keys(value) : [];
  if (keys.length !== 1 || !names.includes(keys[0])) {
    throw new ProtocolError(`${field} must be one of ${names.map((n) => `{${n}}`).join(", ")}`);
  }
  return keys[0];
}

/** A bincode enum of `variants` ({ Name: layout }, in tag order): a u32 tag, then its fields. */
export function writeEnum(w, variants, value, field) {
  const names = Object.keys(variants);
  const name = variantOf(value, names, field);
  w.u32(names.indexOf(name), `${field} tag`);
  writeFields(w, variants[name], value[name], `${field}.${name}.`);
}

export function readEnum(r, variants, field) {
  const names = Object.keys(variants);
  const tag = r.u32(`${field} tag`);
  if (tag >= names.length) throw new ProtocolError(`unknown ${field} tag ${tag}`);
  const name = names[tag];
  return { [name]: readFields(r, variants[name], {}, `${field}.${name}.`) };
}

/** Encodes `record` by `write(w, record)` into fresh bytes. */
export function encodeWith(write, record) {
  const w = new Writer();
  write(w, record);
  return w.finish();
}

/** Decodes all of `data` by `read(r)`: nothing may be left over after it (`what` in errors). */
export function decodeWith(read, data, what) {
  const r = new Reader(toBytes(data));
  const value = read(r);
  r.end(what);
  return value;
}

/**
 * The codec of a payload that is plain fields (`layout`, e.g. a game's setup): `{ encode,
 * decode }`, with `prefix` before field names and `what` naming it in errors.
 */
export function fieldsCodec(layout, prefix, what) {
  return {
    encode: (record) => encodeWith((w) => writeFields(w, layout, record, prefix), record),
    decode: (bytes) => decodeWith((r) => readFields(r, layout, {}, prefix), bytes, what),
  };
}

/** The codec of a payload that is one of `variants` (a game's event enum), as `fieldsCodec`. */
export function enumCodec(variants, field, what) {
  return {
    encode: (value) => encodeWith((w) => writeEnum(w, variants, value, field), value),
    decode: (bytes) => decodeWith((r) => readEnum(r, variants, field), bytes, what),
  };
}

/** World units to the wire's fixed point, clamped like the server's `quantize_position`. */
export function quantizePosition(units) {
  const scaled = Math.round(units * POSITION_SCALE);
  if (Number.isNaN(scaled)) return 0;
  return Math.min(Math.max(scaled, 0), 0xffff);
}

export function dequantizePosition(value) {
  return value / POSITION_SCALE;
}

