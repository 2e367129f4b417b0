import ScrubDefaults
import Testing

/// The text rules one by one: what each catches and what it leaves alone.
struct DetectorTests {
    static let keys = SensitiveKeys()

    static func secret(_ text: String) -> Bool {
        SecretText.containsSecret(Array(text.utf8), keys: keys)
    }

    @Test func sensitiveKeys() {
        for key in ["password", "DB_PASSWORD", "passwd", "X-Auth-Token", "Authorization", "sessionid", "Set-Cookie",
                    "csrftoken", "api_key", "apiKey", "client_secret", "PRIVATE_KEY", "aws_access_key_id", "credentials"] {
            #expect(Self.keys.matches(key), "\(key)")
        }
        for key in ["user", "release", "prod", "ver", "email", "url", "channel", "ptype"] {
            #expect(!Self.keys.matches(key), "\(key)")
        }
        #expect(SensitiveKeys(extra: ["SSN"]).matches("customer_ssn"))
    }

    @Test(arguments: [
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "authorization: bearer abc", "sent BEARER   abc123def456",
        "https://api.example.com/items?token=abc", "--api-key=XYZ", "Authorization: Basic dXNlcjpwYXNz",
        "{\"password\": \"hunter2\"}", "session=abc; theme=dark", "db_password = hunter2",
        "https://svc:pa55w0rd@internal.example.com/", "postgres://app:secret@db:5432/app",
        "4111111111111111", "card 4111 1111 1111 1111 on file", "5500-0000-0000-0004", "378282246310005",
        "6011111111111117 exp 12/29", "ID-4111111111111111",
    ])
    func secretText(_ text: String) {
        #expect(Self.secret(text))
    }

    @Test(arguments: [
        "hello world", "auth::Manager::login", "Authorization failed: bad credentials", "password=", "tokens/x.json",
        "bearer", "The bearer of bad news", "Bearer abc", "https://user@example.com/", "https://example.com/a:b@c",
        // Numbers that are not cards: too long, too short, glued to letters, failing Luhn, dates and times.
        "4111111111111112", "41111111111111111111", "411111111111", "ID4111111111111111", "4111111111111111x",
        "2024-01-15 12:30:45", "version 10.0.22621.1", "0x00007ffd12345678",
        // /proc/self/status fields: zero-padded masks and group lists.
        "0000000000000000", "0000000000000080", "4 20 24 25 44 46 104 124 499 5001 5762",
    ])
    func notSecretText(_ text: String) {
        #expect(!Self.secret(text))
    }

    @Test func luhn() {
        #expect(SecretText.luhn(Array("79927398713".utf8)))
        #expect(!SecretText.luhn(Array("79927398710".utf8)))
        #expect(SecretText.luhn(Array("4012888888881881".utf8)))
    }

    static func paths(_ text: String) -> String {
        String(decoding: UserPaths.redact(Array(text.utf8)).0, as: UTF8.self)
    }

    @Test(arguments: [
        ("/home/alice/src/app.c", "/home/[user]/src/app.c"),
        ("/home/alice", "/home/[user]"),
        ("/HOME/Alice/x", "/HOME/[user]/x"),
        ("/Users/bob/Library/Logs/x.log", "/Users/[user]/Library/Logs/x.log"),
        ("/usr/local/google/home/liuandrew/Documents/x", "/usr/local/google/home/[user]/Documents/x"),
        ("file:///home/carol/report.txt", "file:///home/[user]/report.txt"),
        ("C:\\Users\\Dave Smith\\AppData\\app.dmp", "C:\\Users\\[user]\\AppData\\app.dmp"),
        ("c:/users/erin/app.pdb", "c:/users/[user]/app.pdb"),
        ("D:\\USERS\\frank\\x", "D:\\USERS\\[user]\\x"),
        ("\\\\?\\C:\\Users\\gina\\x.dll", "\\\\?\\C:\\Users\\[user]\\x.dll"),
        ("C:\\Documents and Settings\\hank\\x.exe", "C:\\Documents and Settings\\[user]\\x.exe"),
        ("PATH=/home/ivy/bin:/home/jack/bin", "PATH=/home/[user]/bin:/home/[user]/bin"),
        ("loaded '/Users/kate/x.plist'", "loaded '/Users/[user]/x.plist'"),
        // Left alone.
        ("/Users/Shared/x", "/Users/Shared/x"),
        ("C:\\Users\\Public\\Desktop", "C:\\Users\\Public\\Desktop"),
        ("https://example.com/home/index.html", "https://example.com/home/index.html"),
        ("https://github.com/users/lee", "https://github.com/users/lee"),
        ("/usr/lib/libc.so.6", "/usr/lib/libc.so.6"),
        ("/home/", "/home/"),
        ("/home/[user]/x", "/home/[user]/x"),
    ])
    func userPaths(_ input: String, _ expected: String) {
        #expect(Self.paths(input) == expected)
    }

    static func ips(_ text: String) -> String {
        String(decoding: IPAddresses.redact(Array(text.utf8), replacement: Array("[ip]".utf8)).0, as: UTF8.self)
    }

    @Test(arguments: [
        ("connect to 10.0.0.7:443 failed", "connect to [ip]:443 failed"),
        ("peer 203.0.113.77.", "peer [ip]."),
        ("from 2001:db8::7334 via fe80::1%eth0", "from [ip] via [ip]%eth0"),
        ("::1", "[ip]"),
        ("addr=2001:0db8:0000:0000:0000:ff00:0042:8329", "addr=[ip]"),
        ("::ffff:192.0.2.128", "[ip]"),
        // Left alone.
        ("version 10.0.22621.1", "version 10.0.22621.1"),
        ("at 12:30:45", "at 12:30:45"),
        ("MyApp::Store::open", "MyApp::Store::open"),
        ("256.1.1.1", "256.1.1.1"),
        ("libfoo.so.1.2.3.4", "libfoo.so.1.2.3.4"),
    ])
    func ipAddresses(_ input: String, _ expected: String) {
        #expect(Self.ips(input) == expected)
    }
}
