import DeadtopABI

/// Every check a reader makes before it trusts a header: nothing past the header is read
/// before its table descriptors are known to lie inside the bytes it was given.
enum SegmentValidation {
  static let supportedVersion: UInt32 = DT_ABI_VERSION

  struct Validated {
    let header: dt_header
    let tasks: dt_table
    let resources: dt_table
    let sites: dt_table
    let strings: dt_table
    /// Optional tables: missing or malformed ones read as empty.
    let edges: dt_table
    let schedtrace: dt_table
    let events: dt_table
  }

  static func validate(base: UnsafeRawPointer, size: Int) throws(SegmentError) -> Validated {
    guard size >= MemoryLayout<dt_header>.size else {
      if size == 0 { throw .notReady }
      throw .corrupt("\(size) bytes is too small for a header")
    }
    let magic = base.loadUnaligned(as: UInt64.self)
    guard magic == DT_MAGIC else { throw .corrupt("bad magic number: not a deadtop segment") }
    let ready = dt_load_acquire_u32(
      (base + MemoryLayout<dt_header>.offset(of: \dt_header.ready)!).assumingMemoryBound(to: UInt32.self))
    guard ready == 1 else { throw .notReady }
    let header = base.loadUnaligned(as: dt_header.self)
    guard header.abi_version >= 1 else { throw .corrupt("ABI version 0") }
    guard header.abi_version <= supportedVersion else {
      throw .unsupportedVersion(found: header.abi_version, supported: supportedVersion)
    }
    guard Int(header.header_size) >= MemoryLayout<dt_header>.size, Int(header.header_size) <= size else {
      throw .corrupt("header size \(header.header_size) is invalid")
    }
    guard header.segment_size <= UInt64(size), header.segment_size >= UInt64(header.header_size) else {
      throw .corrupt("it claims \(header.segment_size) bytes but the file has \(size)")
    }
    let tables = withUnsafeBytes(of: header.tables) { bytes in
      (0..<Int(DT_TABLE_COUNT)).map { bytes.load(fromByteOffset: $0 * 16, as: dt_table.self) }
    }
    // Version 1's slots were shorter; the fields added since read as zero.
    let required: [(index: Int, name: String, minimumSlot: Int)] = [
      (Int(DT_TABLE_TASKS), "tasks", Int(DT_TASK_SLOT_V1_SIZE)),
      (Int(DT_TABLE_RESOURCES), "resources", Int(DT_RESOURCE_SLOT_V1_SIZE)),
      (Int(DT_TABLE_SITES), "sites", MemoryLayout<dt_site>.size),
      (Int(DT_TABLE_STRINGS), "strings", 1),
    ]
    for table in required {
      guard tables[table.index].capacity > 0 else { throw .corrupt("the \(table.name) table is missing") }
      guard fits(tables[table.index], minimumSlot: table.minimumSlot, header: header) else {
        throw .corrupt("the \(table.name) table lies outside the segment")
      }
    }
    func optional(_ index: Int, minimumSlot: Int) -> dt_table {
      fits(tables[index], minimumSlot: minimumSlot, header: header) ? tables[index] : dt_table()
    }
    return Validated(
      header: header, tasks: tables[Int(DT_TABLE_TASKS)], resources: tables[Int(DT_TABLE_RESOURCES)],
      sites: tables[Int(DT_TABLE_SITES)], strings: tables[Int(DT_TABLE_STRINGS)],
      edges: optional(DT_TABLE_EDGES, minimumSlot: MemoryLayout<dt_edge>.size),
      schedtrace: optional(DT_TABLE_SCHEDTRACE, minimumSlot: Int(DT_SCHED_RECORD_V1_SIZE)),
      events: optional(DT_TABLE_EVENTS, minimumSlot: MemoryLayout<dt_event>.size))
  }

  /// A table whose slots are at least `minimumSlot` bytes and lie inside the segment.
  private static func fits(_ table: dt_table, minimumSlot: Int, header: dt_header) -> Bool {
    let (extent, overflow) = UInt64(table.slot_size).multipliedReportingOverflow(by: UInt64(table.capacity))
    return Int(table.slot_size) >= minimumSlot && !overflow && table.offset % 8 == 0
      && table.offset >= UInt64(header.header_size) && table.offset <= header.segment_size
      && extent <= header.segment_size - table.offset
  }
}
