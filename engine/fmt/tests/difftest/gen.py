# Generates random, messily laid out HCL files for differential runs against terraform fmt.
# usage: gen.py COUNT SEED OUTDIR [mutate]   (with "mutate", 1-2 random edits per file make many invalid)
import random, sys, os
R = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
def ws(): return R.choice(['', ' ', ' ', '  ', '\t', '   '])
def ws1(): return R.choice([' ', ' ', '  ', '\t', '    '])
def ind(): return R.choice(['', '  ', '    ', ' ', '\t', '      '])
NAMES = ['a','bb','name','instance_type','x','value_long_name','tags','count','for_each','ami','é','ключ','cidr','id']
def name(): return R.choice(NAMES)
def comment():
    return R.choice(['# c', '// slash', '/* blk */', '# trailing   ', '#', '# ' + 'w'*R.randint(1,8)])
def string():
    parts = []
    for _ in range(R.randint(0,3)):
        k = R.random()
        if k < 0.5: parts.append(R.choice(['abc', 'x y', 'héllo', '日本', '$5', '100%', '\\n', '\\"q\\"', '$${lit}', 'a-b', '🚀']))
        elif k < 0.85: parts.append('${' + ws() + simple_expr(1) + ws() + '}')
        else: parts.append('%{' + ws() + 'if ' + ref() + ws() + '}y%{' + ws() + 'endif' + ws() + '}')
    return '"' + ''.join(parts) + '"'
def ref():
    r = R.choice(['var', 'local', 'each', 'count', 'data.aws_x.y', 'module.m', 'aws_instance.web'])
    for _ in range(R.randint(0,2)):
        k = R.random()
        if k < 0.5: r += '.' + name().replace('é','e').replace('ключ','k')
        elif k < 0.7: r += '[' + ws() + str(R.randint(0,3)) + ws() + ']'
        elif k < 0.8: r += '[' + ws() + '*' + ws() + ']'
        elif k < 0.9: r += '.*'
        else: r += '[' + ws() + '"k"' + ws() + ']'
    return r
def literal():
    return R.choice(['1', '0.5', '-1', '1e3', 'true', 'false', 'null', '42'])
def extra_expr(d):
    k = R.random()
    if k < 0.1: return '"${' + ws() + '"a${' + ws() + ref() + ws() + '}"' + ws() + '}"'
    if k < 0.2: return ref() + '.0' + R.choice(['', '.x', '[1]'])
    if k < 0.3: return 'provider' + ws() + '::' + ws() + 'ns' + ws() + '::' + 'fn(' + ws() + simple_expr(d+1) + ws() + ')'
    if k < 0.4: return 'ключ_' + R.choice(['a', 'é']) + '.x'
    if k < 0.5: return '"${' + R.choice(['\n', '']) + ws() + simple_expr(d+1) + R.choice(['\n', '']) + ws() + '}"'
    if k < 0.6: return 'f(' + ws() + simple_expr(d+1) + ws() + '...' + ws() + ')'
    if k < 0.7: return '"%{~' + ws() + 'for x in ' + ref() + ws() + '~}${x}%{' + ws() + 'endfor' + ws() + '}"'
    if k < 0.8: return '-' + ws() + literal() + ws() + R.choice(['-', '+', '*']) + ws() + '-' + literal()
    if k < 0.9: return '(' + ws() + simple_expr(d+1) + ws() + ')' + R.choice(['', '[0]', '.x'])
    return '[' + ws() + '[' + ws() + literal() + ws() + ']' + ws() + ',' + ws() + '{}' + ws() + ']'
def simple_expr(d):
    k = R.random()
    if d < 2 and k < 0.12: return extra_expr(d)
    k = R.random()
    if d > 2 or k < 0.3: return R.choice([literal(), ref(), ref()])
    if k < 0.45: return string() if d < 2 else '"s"'
    if k < 0.55: return 'f' + R.choice(['oo','n','ormat','lookup']) + '(' + ws() + (','+ws()).join(simple_expr(d+1) for _ in range(R.randint(0,3))) + ws() + ')'
    if k < 0.65: return simple_expr(d+1) + ws() + R.choice(['+','-','*','/','==','!=','<','>=','&&','||','%']) + ws() + simple_expr(d+1)
    if k < 0.7: return R.choice(['!','-']) + ws() + R.choice([ref(), '(' + simple_expr(d+1) + ')'])
    if k < 0.78: return simple_expr(d+1) + ws() + '?' + ws() + simple_expr(d+1) + ws() + ':' + ws() + simple_expr(d+1)
    if k < 0.85: return '[' + ws() + (','+ws()).join(simple_expr(d+1) for _ in range(R.randint(0,3))) + ws() + ']'
    if k < 0.92: return '{' + ws() + (','+ws()).join(name().replace('é','e') + ws() + R.choice(['=',':']) + ws() + simple_expr(d+1) for _ in range(R.randint(0,2))) + ws() + '}'
    if k < 0.96: return '[' + ws() + 'for ' + 'x' + ws() + 'in ' + ref() + ws() + ':' + ws() + simple_expr(d+1) + R.choice(['', ' if x != null']) + ws() + ']'
    return '{' + ws() + 'for k,' + ws() + 'v in ' + ref() + ws() + ':' + ws() + 'k' + ws() + '=>' + ws() + 'v' + R.choice(['', '...']) + ws() + '}'
def expr(d, indent):
    k = R.random()
    if d > 2 or k < 0.55: return simple_expr(d)
    nl = '\n'
    if k < 0.65:  # multiline list
        items = [ind() + expr(d+1, indent) + ',' + R.choice(['', ' ' + comment() if R.random()<0.2 else '']) for _ in range(R.randint(0,3))]
        if R.random() < 0.3: items.insert(R.randint(0, len(items)), ind() + R.choice(['# c', '// d', '/* e */', '/* multi\n line */', '']))
        return '[' + nl + nl.join(items) + nl + ind() + ']'
    if k < 0.77:  # multiline object
        items = []
        for _ in range(R.randint(0,4)):
            if R.random() < 0.1: items.append(ind() + comment().replace('/* blk */','# c')); continue
            if R.random() < 0.1: items.append(''); continue
            items.append(ind() + R.choice([name(), '"quoted key"', 'k']) + ws() + R.choice(['=', '=', ':']) + ws() + expr(d+1, indent) + R.choice(['', ',', '', ' # tc']))
        return '{' + nl + nl.join(items) + nl + ind() + '}'
    if k < 0.85:  # multiline call
        args = [ind() + expr(d+1, indent) for _ in range(R.randint(1,3))]
        return R.choice(['merge','concat','jsonencode']) + '(' + nl + (','+nl).join(args) + R.choice([',', '']) + nl + ind() + ')'
    if k < 0.92:  # heredoc
        m = R.choice(['EOT', 'EOF', 'POLICY'])
        dash = R.choice(['', '-'])
        lines = [R.choice(['  text', 'line ${' + ws() + ref() + ws() + '}', '%{' + ws() + 'if true' + ws() + '}x%{ endif }', '   trailing   ', '', '{"a": 1}', '$notinterp 50%']) for _ in range(R.randint(0,3))]
        return '<<' + dash + m + nl + ''.join(l + nl for l in lines) + (ind() if dash else '') + m
    if k < 0.94:  # legacy interp
        return '"${' + ws() + simple_expr(d+1) + ws() + '}"'
    if k < 0.97:  # call chain with closers leading lines
        return R.choice(['merge', 'concat']) + '(' + R.choice(['{', '[']) + nl + ind() + 'a = 1' + nl + ind() + R.choice(['}, {', '], [', '}, [', '] ,{']) + nl + ind() + 'b = 2' + nl + ind() + R.choice(['})', '])', '] )', '}) ']) 
    return '(' + nl + ind() + simple_expr(d+1) + ws() + '?' + nl + ind() + simple_expr(d+1) + ws() + ':' + ws() + simple_expr(d+1) + nl + ind() + ')'
def label():
    return R.choice(['"aws_instance"', 'web', '"my-label"', 'x_1', '"é"', '""', '"a$b"', '"$${x}"', '"\\u00e9\\t"', '"100%"', '/* lc */ "x"', 'ключ'])
def body(d):
    out = []
    used = set()
    def name():
        for _ in range(20):
            n = R.choice(NAMES) + R.choice(['', '', '_%d' % R.randint(1, 9)])
            if n not in used: used.add(n); return n
        return 'u%d' % R.randint(1000, 9999)
    for _ in range(R.randint(0, 6 if d == 0 else 4)):
        k = R.random()
        if k < 0.5:
            line = ind() + name() + ws() + '=' + ws() + expr(d, '')
            if R.random() < 0.2 and not line.rstrip().endswith(('EOT','EOF','POLICY')): line += ws1() + comment()
            out.append(line + R.choice(['', '', ' ', '\t']) if not line.rstrip().endswith(('EOT','EOF','POLICY')) else line)
        elif k < 0.6:
            out.append(ind() + comment().replace('/* blk */', '/* block\n   comment */'))
        elif k < 0.7:
            out.append(R.choice(['', '', ws()]))
        elif k < 0.8 and d < 3:
            btype = R.choice(['resource', 'variable', 'lifecycle', 'dynamic', 'content', 'locals'])
            labels = ''.join(ws1() + label() for _ in range(R.randint(0,2)))
            if R.random() < 0.5:
                out.append(ind() + btype + labels + ws1() + '{' + ws() + R.choice(['', name() + ws() + '=' + ws() + simple_expr(1) + ws()]) + '}')
            else:
                out.append(ind() + btype + labels + ws1() + '{' + R.choice(['', ' # hdr']))
                out.extend(body(d + 1))
                out.append(ind() + '}')
        elif k < 0.85 and d == 0:
            out.append('variable "v"' + ws1() + '{\n' + ind() + 'type' + ws() + '=' + ws() + R.choice(['"string"', '"list"', '"map"', 'list', 'map', 'set', 'string', '"number"', 'list(string)']) + '\n}')
        else:
            out.append(ind() + name() + ws() + '=' + ws() + simple_expr(0))
    return out
n = int(sys.argv[1])
d = sys.argv[3]
os.makedirs(d, exist_ok=True)
for i in range(n):
    text = '\n'.join(body(0)) + R.choice(['\n', '\n', '', '\n\n'])
    if len(sys.argv) > 4 and text:
        for _ in range(R.randint(1, 2)):
            k = R.random(); q = R.randrange(len(text) + 1)
            if k < 0.35: text = text[:q] + text[q+1:]
            elif k < 0.8: text = text[:q] + R.choice(list('{}[](),="\n .*?:#$%<-!~') + ['${', '%{', '<<EOT\n', '//', '/*', '*/', 'for ', ' in ', '...', '::', '=>', '"${x}"', '\r', '\t', 'é', '\\', '~}', '${~', '<<-EOT\n', 'EOT\n', '\n\n', '"', '0', '.0', '[*]', '.*', '"%{ if x }"', '\u200b', '\x00']) + text[q:]
            else:
                ls = text.split('\n'); j = R.randrange(len(ls))
                if R.random() < 0.5: ls.insert(j, ls[j])
                elif j + 1 < len(ls): ls[j], ls[j+1] = ls[j+1], ls[j]
                text = '\n'.join(ls)
    if R.random() < 0.1: text = text.replace('\n', '\r\n')
    with open(os.path.join(d, 'f%04d.tf' % i), 'w', newline='') as f: f.write(text)
