import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Finds theme files in the documented order (themes/README.md) and loads them.
public struct ThemeCatalog: Sendable {
  public private(set) var themes: [Theme]
  /// Files that could not be parsed, with the reason: shown once as a message.
  public private(set) var problems: [String]

  public static func searchDirectories(themesDirectory: String?, executable: String) -> [String] {
    var directories: [String] = []
    if let themesDirectory { directories.append(themesDirectory) }
    if let config = environment("XDG_CONFIG_HOME"), !config.isEmpty {
      directories.append(config + "/deadtop/themes")
    } else if let home = environment("HOME") {
      directories.append(home + "/.config/deadtop/themes")
    }
    // <prefix>/bin/deadtop -> <prefix>/share/deadtop/themes
    let binDirectory = parent(of: executable)
    directories.append(parent(of: binDirectory) + "/share/deadtop/themes")
    // The repository's themes/, for `swift run` (the binary is in <repo>/.build/...).
    var directory = binDirectory
    while directory.count > 1 {
      if access(directory + "/themes/default.theme", R_OK) == 0 {
        directories.append(directory + "/themes")
        break
      }
      directory = parent(of: directory)
    }
    return directories
  }

  public static func load(from directories: [String]) -> ThemeCatalog {
    var catalog = ThemeCatalog(themes: [], problems: [])
    var seen = Set<String>()
    for directory in directories {
      for file in themeFiles(in: directory) {
        let name = String(file.dropLast(".theme".count))
        guard !seen.contains(name) else { continue }
        switch loadTheme(path: directory + "/" + file, name: name) {
        case .success(let theme):
          seen.insert(name)
          catalog.themes.append(theme)
        case .failure(let problem):
          catalog.problems.append(problem.message)
        }
      }
    }
    if !seen.contains("default") { catalog.themes.insert(.builtInDefault, at: 0) }
    // default first, the rest by name.
    catalog.themes.sort { ($0.name == "default" ? 0 : 1, $0.name) < ($1.name == "default" ? 0 : 1, $1.name) }
    return catalog
  }

  /// A theme by name from the catalog, or from a file path.
  public func theme(named nameOrPath: String) -> Result<Theme, ThemeLoadError> {
    if nameOrPath.contains("/") || nameOrPath.hasSuffix(".theme") {
      let name = String(nameOrPath.split(separator: "/").last ?? "").replacingSuffix(".theme")
      return Self.loadTheme(path: nameOrPath, name: name)
    }
    if let theme = themes.first(where: { $0.name == nameOrPath }) { return .success(theme) }
    let known = themes.map(\.name).joined(separator: ", ")
    return .failure(ThemeLoadError(message: "no theme named '\(nameOrPath)' (found: \(known))"))
  }

  static func loadTheme(path: String, name: String) -> Result<Theme, ThemeLoadError> {
    guard let text = readFile(path) else {
      return .failure(ThemeLoadError(message: "cannot read theme \(path)"))
    }
    do {
      return .success(try Theme.parse(text, defaultName: name))
    } catch {
      return .failure(ThemeLoadError(message: "theme \(path): \(error)"))
    }
  }

  static func themeFiles(in directory: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { $0.hasSuffix(".theme") }.sorted()
  }

  static func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

  static func readFile(_ path: String) -> String? {
    guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else { return nil }
    return String(decoding: data, as: UTF8.self)
  }
}

public struct ThemeLoadError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

extension String {
  func replacingSuffix(_ suffix: String) -> String {
    hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
  }
}
