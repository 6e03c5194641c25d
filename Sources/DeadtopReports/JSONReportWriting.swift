// The report's types as JSON, each writing its fields in sorted key order (the
// order `JSONEncoder.OutputFormatting.sortedKeys` gives; ReportTests holds them equal).

extension JSONReport.Document: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("deadlocks", deadlocks)
    json.field("events", events)
    json.field("groups", ifPresent: groups)
    json.field("hangs", hangs)
    json.field("longWaits", longWaits)
    json.field("potentialDeadlocks", potentialDeadlocks)
    json.field("process", process)
    json.field("profile", profile)
    json.field("resources", resources)
    json.field("retryLeaks", retryLeaks)
    json.field("schedtrace", schedtrace)
    json.field("schema", schema)
    json.field("summary", summary)
    json.field("tasks", tasks)
    json.field("version", version)
    json.field("warnings", warnings)
    json.endObject()
  }
}

extension JSONReport.Process: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("abiVersion", abiVersion)
    json.field("name", name)
    json.field("pid", pid)
    json.field("source", source)
    json.field("uptimeSeconds", uptimeSeconds)
    json.endObject()
  }
}

extension JSONReport.Summary: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("acquisitions", acquisitions)
    json.field("blocked", blocked)
    json.field("blocks", blocks)
    json.field("contended", contended)
    json.field("deadlockedTasks", deadlockedTasks)
    json.field("ended", ended)
    json.field("global", global)
    json.field("hiddenFacts", ifPresent: hiddenFacts)
    json.field("running", running)
    json.field("tasks", tasks)
    json.field("verdict", ifPresent: verdict)
    json.endObject()
  }
}

extension JSONReport.Site: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("file", file)
    json.field("function", function)
    json.field("line", line)
    json.endObject()
  }
}

extension JSONReport.DeadlockEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("blockedBehind", blockedBehind)
    json.field("certainty", certainty)
    json.field("cycle", cycle)
    json.field("endedHolders", endedHolders)
    json.field("explanation", explanation)
    json.field("global", global)
    json.field("kind", kind)
    json.field("reason", ifPresent: reason)
    json.field("resourceIds", resourceIds)
    json.field("resources", resources)
    json.field("scope", ifPresent: scope)
    json.field("taskIds", taskIds)
    json.field("tasks", tasks)
    json.endObject()
  }
}

extension JSONReport.PotentialEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("happening", ifPresent: happening)
    json.field("kind", kind)
    json.field("locks", locks)
    json.field("orders", orders)
    json.endObject()
  }
}

extension JSONReport.OrderEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("acquired", acquired)
    json.field("acquiredSite", ifPresent: acquiredSite)
    json.field("holding", holding)
    json.field("holdingSite", ifPresent: holdingSite)
    json.field("task", task)
    json.endObject()
  }
}

extension JSONReport.ProfileEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("locks", locks)
    json.field("sites", sites)
    json.endObject()
  }
}

extension JSONReport.ContentionEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("contended", contended)
    json.field("maxWaitSeconds", maxWaitSeconds)
    json.field("name", name)
    json.field("totalWaitSeconds", totalWaitSeconds)
    json.endObject()
  }
}

extension JSONReport.LongWaitEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("holderSites", holderSites)
    json.field("holders", holders)
    json.field("name", name)
    json.field("seconds", seconds)
    json.field("task", task)
    json.endObject()
  }
}

extension JSONReport.Step: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("because", because)
    json.field("heldSince", ifPresent: heldSince)
    json.field("resource", ifPresent: resource)
    json.field("resourceName", ifPresent: resourceName)
    json.field("task", task)
    json.field("taskName", taskName)
    json.field("waitKind", waitKind)
    json.field("waitSite", ifPresent: waitSite)
    json.field("waitsFor", waitsFor)
    json.endObject()
  }
}

extension JSONReport.TaskEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("cpuSeconds", ifPresent: cpuSeconds)
    json.field("deadlocked", deadlocked)
    json.field("detail", ifPresent: detail)
    json.field("endedSecondsAgo", ifPresent: endedSecondsAgo)
    json.field("holds", holds)
    json.field("id", id)
    json.field("name", name)
    json.field("parent", ifPresent: parent)
    json.field("spawnSite", ifPresent: spawnSite)
    json.field("stack", stack)
    json.field("stale", stale)
    json.field("state", state)
    json.field("tid", tid)
    json.field("unlistedHolds", unlistedHolds)
    json.field("wait", ifPresent: wait)
    json.endObject()
  }
}

extension JSONReport.WaitEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("cases", ifPresent: cases)
    json.field("endsInSeconds", ifPresent: endsInSeconds)
    json.field("kind", kind)
    json.field("needs", needs)
    json.field("resource", ifPresent: resource)
    json.field("resourceName", ifPresent: resourceName)
    json.field("seconds", seconds)
    json.field("secondsAtLeast", ifPresent: secondsAtLeast)
    json.field("site", ifPresent: site)
    json.field("task", ifPresent: task)
    json.field("waitsFor", waitsFor)
    json.endObject()
  }
}

extension JSONReport.CaseEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("operation", operation)
    json.field("resource", resource)
    json.field("resourceName", resourceName)
    json.endObject()
  }
}

extension JSONReport.HoldEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("kind", kind)
    json.field("mode", mode)
    json.field("name", name)
    json.field("resource", resource)
    json.field("site", ifPresent: site)
    json.endObject()
  }
}

extension JSONReport.ResourceEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("capacity", ifPresent: capacity)
    json.field("closed", ifPresent: closed)
    json.field("count", ifPresent: count)
    json.field("holders", holders)
    json.field("id", id)
    json.field("kind", kind)
    json.field("members", ifPresent: members)
    json.field("name", ifPresent: name)
    json.field("receiveOnlyUsers", ifPresent: receiveOnlyUsers)
    json.field("references", ifPresent: references)
    json.field("sendOnlyUsers", ifPresent: sendOnlyUsers)
    json.field("site", ifPresent: site)
    json.field("users", ifPresent: users)
    json.field("waiters", waiters)
    json.endObject()
  }
}

extension JSONReport.HolderEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("mode", mode)
    json.field("task", task)
    json.endObject()
  }
}
extension JSONReport.HangEntry: JSONWritable {
  func write(to json: inout JSONWriter) {
    json.beginObject()
    json.field("calls", calls)
    json.field("explanation", explanation)
    json.field("pool", pool)
    json.field("queuedJobs", ifPresent: queuedJobs)
    json.field("taskIds", taskIds)
    json.field("tasks", tasks)
    json.field("width", width)
    json.endObject()
  }
}
