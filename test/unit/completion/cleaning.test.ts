import * as assert from 'node:assert/strict';
import { cleanCompletion } from '../../../src/completion/cleaning/cleanCompletion';
import { detectIndentUnit } from '../../../src/completion/cleaning/cleaningContext';
import { place } from './place';

/** Cleans `raw` for the cursor (┃) in `source`. */
const clean = (source: string, languageId: string, raw: string) =>
  cleanCompletion(raw, place(source, languageId));

describe('completion cleaning', () => {
  describe('one line when text follows the cursor on the line', () => {
    it('TypeScript: an argument list keeps to its line', () => {
      const source = `export function total(items: Item[]): number {\n  return items.reduce(┃, 0);\n}\n`;
      assert.equal(
        clean(source, 'typescript', '(sum, item) => sum + item.price\n  // unreachable\n'),
        '(sum, item) => sum + item.price',
      );
    });
    it('Python: a call inside an f-string line', () => {
      const source = `def greet(user):\n    print(f"Hello, {┃}")\n`;
      assert.equal(clean(source, 'python', 'user.name}")\n    return None'), 'user.name');
    });
    it('Go: the condition of an if statement', () => {
      const source = `func (s *Server) handle(w http.ResponseWriter, r *http.Request) {\n\tif ┃ {\n\t}\n}\n`;
      assert.equal(
        clean(source, 'go', 'r.Method != http.MethodPost {\n\t\thttp.Error(w, "method not allowed", 405)'),
        'r.Method != http.MethodPost',
      );
    });
    it('Rust: a closure inside a chain', () => {
      const source = `fn names(users: &[User]) -> Vec<String> {\n    users.iter().map(┃).collect()\n}\n`;
      assert.equal(clean(source, 'rust', '|u| u.name.clone()).collect()\n}'), '|u| u.name.clone()');
    });
    it('at the end of a line that opens no block, the first line only', () => {
      const source = `const app = express();\nconst port = Number(process.env.PORT) ||┃\n`;
      assert.equal(clean(source, 'typescript', ' 3000;\napp.listen(port);\n'), ' 3000;');
    });
  });

  describe('multi-line at an empty block start', () => {
    it('TypeScript: the body of a new function, ending at its closing brace', () => {
      const source = `export function isEven(n: number): boolean {\n  ┃\n`;
      assert.equal(
        clean(source, 'typescript', 'return n % 2 === 0;\n}\n\nexport function isOdd(n: number) {'),
        'return n % 2 === 0;\n}',
      );
    });
    it('Python: a method body stops where the model dedents to the next method', () => {
      const source = `class Account:\n    def deposit(self, amount):\n        ┃\n`;
      assert.equal(
        clean(
          source,
          'python',
          'if amount <= 0:\n            raise ValueError("amount must be positive")\n        self.balance += amount\n\n    def withdraw(self, amount):\n        pass',
        ),
        'if amount <= 0:\n            raise ValueError("amount must be positive")\n        self.balance += amount',
      );
    });
    it('Go: a for loop body', () => {
      const source = `func sum(xs []int) int {\n\ttotal := 0\n\tfor _, x := range xs {\n\t\t┃\n\t}\n\treturn total\n}\n`;
      assert.equal(clean(source, 'go', 'total += x\n\t}\n\treturn total'), 'total += x');
    });
    it('Rust: a match arm block after the opener on the cursor line', () => {
      const source = `fn parse(s: &str) -> Result<u32, Error> {\n    match s.parse::<u32>() {┃\n}\n`;
      assert.equal(
        clean(source, 'rust', '\n        Ok(n) => Ok(n),\n        Err(e) => Err(Error::Parse(e)),\n    }\n}'),
        '\n        Ok(n) => Ok(n),\n        Err(e) => Err(Error::Parse(e)),\n    }',
      );
    });
    it('a block that already has a body gets one line', () => {
      const source = `function main() {\n  ┃\n  run();\n}\n`;
      assert.equal(clean(source, 'typescript', 'setup();\n  configure();'), 'setup();');
    });
  });

  describe('never duplicates the rest of the line', () => {
    it('TypeScript: closing parenthesis and semicolon', () => {
      assert.equal(clean(`const user = await db.findUser(┃);\n`, 'typescript', 'id);'), 'id');
    });
    it('Python: closing bracket of a list', () => {
      assert.equal(clean(`ports = [8080, ┃]\n`, 'python', '8081, 8082]'), '8081, 8082');
    });
    it('Go: the opening brace of the block', () => {
      assert.equal(clean(`\tfor i := 0; ┃ {\n\t}\n`, 'go', 'i < len(items); i++ {'), 'i < len(items); i++');
    });
    it('Rust: the closing of a macro call, partly repeated', () => {
      assert.equal(clean(`    println!("{}", ┃);\n`, 'rust', 'value)'), 'value');
    });
    it('Java: a suggestion that is only the rest of the line shows nothing', () => {
      assert.equal(clean(`        list.add(┃item);\n`, 'java', 'item);'), '');
    });
  });

  describe('never duplicates the lines below', () => {
    it('TypeScript: the closing brace that is already there', () => {
      const source = `if (!token) {\n  ┃\n}\nreturn token;\n`;
      assert.equal(
        clean(source, 'typescript', 'throw new Error("missing token");\n}\nreturn token;'),
        'throw new Error("missing token");',
      );
    });
    it('Python: the next statement the model repeats', () => {
      const source = `def load(path):\n    with open(path) as f:\n        ┃\n    return data\n`;
      assert.equal(clean(source, 'python', 'data = json.load(f)\n    return data'), 'data = json.load(f)');
    });
    it('Go: an error check already below the cursor', () => {
      const source = `func read() error {\n\t┃\n\tif err != nil {\n\t\treturn err\n\t}\n}\n`;
      assert.equal(clean(source, 'go', 'if err != nil {'), '');
    });
    it('Rust: the closing braces of an impl block', () => {
      const source = `impl Point {\n    fn norm(&self) -> f64 {\n        ┃\n    }\n}\n`;
      assert.equal(
        clean(source, 'rust', '(self.x * self.x + self.y * self.y).sqrt()\n    }\n}'),
        '(self.x * self.x + self.y * self.y).sqrt()',
      );
    });
  });

  describe('balances brackets', () => {
    it('TypeScript: stops at a closer that has nothing to close', () => {
      assert.equal(clean(`const ids = users.map((u) => u.id┃\n`, 'typescript', '));'), ')');
    });
    it('TypeScript: a closer the text after the cursor already provides is dropped', () => {
      const source = `app.get('/health', (req, res) => {\n  res.json({ ok: true ┃});\n});\n`;
      assert.equal(
        clean(source, 'typescript', ', uptime: process.uptime() });'),
        ', uptime: process.uptime()',
      );
    });
    it('Python: brackets inside strings do not count', () => {
      assert.equal(
        clean(`log.info(┃\n`, 'python', '"closing ) in a string: %s", path))'),
        '"closing ) in a string: %s", path)',
      );
    });
    it('Go: a multi-line body that ends inside a bracket it opened is cut back to a balanced line', () => {
      const source = `func main() {\n\t┃\n}\n`;
      assert.equal(
        clean(source, 'go', 'cfg := load()\n\tserver := NewServer(cfg,\n\t\tWithLogger(log)'),
        'cfg := load()',
      );
    });
    it('Rust: a mismatched closer ends the suggestion', () => {
      assert.equal(clean(`let v = vec![1, 2, 3┃\n`, 'rust', ']);'), ']');
    });
    it('TypeScript: quotes inside a regular expression literal do not start a string', () => {
      const source = 'items.forEach((item) => {\n  ┃\n});\n';
      const body = `const [key, value] = item.split("=");\n  map[key] = unescape(value.replace(/['"]+/g, ""));`;
      assert.equal(clean(source, 'typescript', `${body}\n});`), body);
    });
    it('JavaScript: a division is not taken for a regular expression', () => {
      const source = 'function half(a, b) {\n  ┃\n}\n';
      const body = 'const ratio = a / b / (b + 1);\n  return [ratio, "/"];';
      assert.equal(clean(source, 'javascript', `${body}\n}`), body);
    });
    it('TypeScript: inside a callback, the `)` of the enclosing `});` below does not close an `if (`', () => {
      const source = 'function f() {\n\tg(() => {\n\t\tif (prev┃\n\t\t\tx += 1;\n\t\t}\n\t});\n}\n';
      assert.equal(clean(source, 'typescript', ') {\n\t\t\tx += 1;\n\t\t}'), ') {');
    });
    it('TypeScript: outside a callback the same `if (` is completed the same way', () => {
      const source = 'function f() {\n\tif (prev┃\n\t\tx += 1;\n\t}\n}\n';
      assert.equal(clean(source, 'typescript', ') {\n\t\tx += 1;\n\t}'), ') {');
    });
    it('TypeScript: the rest of the line closes the outer bracket once the suggestion closes the inner one', () => {
      assert.equal(clean('if (isArray(in┃) {\n', 'typescript', 'put)) {'), 'put)');
    });
    it('Python: the rest of the line closes the outer call once the suggestion closes the inner one', () => {
      assert.equal(clean('print(len(ite┃)\n', 'python', 'ms))'), 'ms)');
    });
    it('TypeScript: a closer for a bracket the rest of the line still needs is not suggested twice', () => {
      assert.equal(clean('if (isArray(input┃) {\n', 'typescript', ')) {'), ')');
      assert.equal(clean('if (isArray(input)┃) {\n', 'typescript', ')) {'), '');
    });
  });

  describe('stops at repetition', () => {
    it('TypeScript: a line repeated three times', () => {
      const source = `function setup() {\n  ┃\n`;
      const raw =
        'registry.add(handler);\n  registry.add(handler);\n  registry.add(handler);\n  registry.add(handler);\n}';
      assert.equal(clean(source, 'typescript', raw), 'registry.add(handler);');
    });
    it('Python: a run repeated within a line', () => {
      assert.equal(
        clean(
          `result = data┃\n`,
          'python',
          '.get("a").get("a").get("a").get("a").get("a").get("a").get("a")',
        ),
        '.get("a").get("a")',
      );
    });
    it('Go: a copy of the line above the cursor', () => {
      const source = `func init() {\n\tflag.StringVar(&addr, "addr", ":8080", "listen address")\n\t┃\n}\n`;
      assert.equal(clean(source, 'go', 'flag.StringVar(&addr, "addr", ":8080", "listen address")'), '');
    });
    it('Rust: a two-line block repeated three times', () => {
      const source = `fn main() {\n    ┃\n`;
      const raw =
        'let a = 1;\n    println!("{a}");\n    let a = 1;\n    println!("{a}");\n    let a = 1;\n    println!("{a}");\n}';
      assert.equal(clean(source, 'rust', raw), 'let a = 1;\n    println!("{a}");');
    });
  });

  describe('indentation consistent with the file', () => {
    it("Go: spaces from the model become the file's tabs", () => {
      const source = `func main() {\n\tfor {\n\t\tselect {\n\t\tcase <-done:\n\t\t\treturn\n\t\t}\n\t}\n}\n\nfunc worker() {\n\t┃\n`;
      assert.equal(
        clean(source, 'go', 'for job := range jobs {\n        process(job)\n    }\n}'),
        'for job := range jobs {\n\t\tprocess(job)\n\t}\n}',
      );
    });
    it('Python: indentation the cursor line already has is not typed twice', () => {
      const source = `def area(r):\n    ┃\n`;
      assert.equal(clean(source, 'python', '    return math.pi * r * r'), 'return math.pi * r * r');
    });
    it("TypeScript: a two-space model step rescaled to the file's four", () => {
      const source = `class Queue {\n    private items: string[] = [];\n\n    push(item: string): void {\n        this.items.push(item);\n    }\n\n    drain(): string[] {┃\n}\n`;
      assert.equal(
        clean(
          source,
          'typescript',
          '\n      const out = this.items;\n      this.items = [];\n      return out;\n    }',
        ),
        '\n        const out = this.items;\n        this.items = [];\n        return out;\n    }',
      );
    });
    it('Rust: continuation lines aligned to a parenthesis are left alone', () => {
      const source = `fn build() -> Config {\n    ┃\n`;
      assert.equal(
        clean(source, 'rust', 'Config::new(host,\n                port)\n}'),
        'Config::new(host,\n                port)\n}',
      );
    });
    it('detects tabs and space steps from the lines around the cursor', () => {
      assert.equal(detectIndentUnit(['func a() {', '\tx := 1', '\tif x {', '\t\treturn', '\t}', '}']), '\t');
      assert.equal(detectIndentUnit(['def a():', '  x = 1', '  if x:', '    return x']), '  ');
    });
  });

  describe('the space before the rest of the line', () => {
    it('TypeScript: keeps the one space before a closing brace that follows the cursor', () => {
      assert.equal(clean('const p = { x: 1, y┃}\n', 'typescript', ': 2 }\nconst q = p;'), ': 2 ');
    });
    it('keeps no trailing space at the end of the line', () => {
      assert.equal(clean('const p = { x: 1, y┃\n', 'typescript', ': 2 \nconst q = p;'), ': 2');
    });
  });

  describe('nothing whitespace-only', () => {
    it('TypeScript: blank lines only', () => {
      assert.equal(clean(`function f() {\n  ┃\n`, 'typescript', '\n\n   \n'), '');
    });
    it('Python: spaces only', () => {
      assert.equal(clean(`x = ┃\n`, 'python', '   '), '');
    });
    it('Go: a newline first on a line that needs one line', () => {
      assert.equal(clean(`\tdefer conn.Close()┃\n`, 'go', '\n\tconn.Write(buf)'), '');
    });
    it('Rust: trailing whitespace is trimmed, a space before a word after the cursor is kept', () => {
      assert.equal(clean(`    let total = ┃\n`, 'rust', 'a + b;   \n'), 'a + b;');
      assert.equal(clean(`    return ┃value;\n`, 'rust', 'Some( '), 'Some( ');
    });
  });
});
