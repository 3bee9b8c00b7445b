package store

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// lockedTx returns a Tx on a fresh store holding every shard.
func lockedTx(t testing.TB) *Tx {
	t.Helper()
	s := New(Options{Shards: 4})
	tx := NewTx(s)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	t.Cleanup(tx.Unlock)
	return tx
}

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func hashOf(t testing.TB, tx *Tx, key string) *Hash {
	t.Helper()
	h, err := tx.GetHash([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func hashMap(h *Hash) map[string]string {
	m := map[string]string{}
	h.ForEach(func(f, v []byte) bool { m[string(f)] = string(v); return true })
	return m
}

func TestHash_SetGetDel(t *testing.T) {
	tx := lockedTx(t)
	n, err := tx.HSet([]byte("h"), bs("a", "1", "b", "2", "a", "3"))
	if err != nil || n != 2 {
		t.Fatalf("HSet = %d, %v; want 2", n, err)
	}
	h := hashOf(t, tx, "h")
	if v, ok := h.Get([]byte("a")); !ok || string(v) != "3" {
		t.Fatalf("a = %q %v", v, ok)
	}
	var order []string
	h.ForEach(func(f, v []byte) bool { order = append(order, string(f)+"="+string(v)); return true })
	if fmt.Sprint(order) != "[a=3 b=2]" {
		t.Fatalf("order %v: insertion order expected", order)
	}
	if ok, _ := tx.HSetNX([]byte("h"), []byte("a"), []byte("x")); ok {
		t.Fatal("HSETNX on an existing field set it")
	}
	if ok, _ := tx.HSetNX([]byte("h"), []byte("c"), []byte("x")); !ok {
		t.Fatal("HSETNX on a new field did not set it")
	}
	d, removed, _ := tx.HDel([]byte("h"), bs("a", "zz", "a"))
	if d != 1 || removed {
		t.Fatalf("HDel = %d %v", d, removed)
	}
	d, removed, _ = tx.HDel([]byte("h"), bs("b", "c", "d"))
	if d != 2 || !removed || tx.Exists([]byte("h")) {
		t.Fatalf("HDel emptying = %d %v, exists %v", d, removed, tx.Exists([]byte("h")))
	}
	d, removed, err = tx.HDel([]byte("h"), bs("b"))
	if d != 0 || removed || err != nil {
		t.Fatalf("HDel missing key = %d %v %v", d, removed, err)
	}
}

func TestHash_WrongType(t *testing.T) {
	tx := lockedTx(t)
	tx.SetString([]byte("s"), []byte("v"), 0, false)
	k := []byte("s")
	checks := map[string]error{}
	_, checks["HSet"] = tx.HSet(k, bs("a", "1"))
	_, checks["HSetNX"] = tx.HSetNX(k, []byte("a"), []byte("1"))
	_, _, checks["HDel"] = tx.HDel(k, bs("a"))
	_, checks["HIncrBy"] = tx.HIncrBy(k, []byte("a"), 1)
	_, checks["HIncrByFloat"] = tx.HIncrByFloat(k, []byte("a"), []byte("1"))
	_, checks["GetHash"] = tx.GetHash(k)
	for name, err := range checks {
		if err != ErrWrongType {
			t.Errorf("%s on a string: %v, want ErrWrongType", name, err)
		}
	}
	// The increment is checked before the key's type, as Redis does.
	if _, err := tx.HIncrByFloat(k, []byte("a"), []byte("x")); err != ErrNotFloat {
		t.Errorf("HIncrByFloat bad increment on a string: %v", err)
	}
}

func TestHash_IncrBy(t *testing.T) {
	tx := lockedTx(t)
	k := []byte("h")
	tests := []struct {
		start string // "" for an absent field
		delta int64
		want  int64
		err   error
	}{
		{"", 5, 5, nil},
		{"10", -3, 7, nil},
		{"-9223372036854775484", -1, -9223372036854775485, nil},
		{"-9223372036854775484", -10000, 0, ErrOverflow},
		{"9223372036854775807", 1, 0, ErrOverflow},
		{"9223372036854775807", -1, 9223372036854775806, nil},
		{" 1", 1, 0, ErrHashNotInteger},
		{"1 ", 1, 0, ErrHashNotInteger},
		{"01", 1, 0, ErrHashNotInteger},
		{"1.5", 1, 0, ErrHashNotInteger},
		{"", -9223372036854775808, -9223372036854775808, nil},
	}
	for _, tt := range tests {
		tx.Delete(k)
		if tt.start != "" {
			tx.HSet(k, bs("f", tt.start))
		}
		got, err := tx.HIncrBy(k, []byte("f"), tt.delta)
		if err != tt.err || (err == nil && got != tt.want) {
			t.Errorf("%q + %d = %d, %v; want %d, %v", tt.start, tt.delta, got, err, tt.want, tt.err)
		}
		if err == nil {
			if v, _ := hashOf(t, tx, "h").Get([]byte("f")); string(v) != strconv.FormatInt(tt.want, 10) {
				t.Errorf("stored %q", v)
			}
		}
	}
}

// Expected replies of HSET k f <stored>; HINCRBYFLOAT k f <incr>, recorded
// from redis-server 7.0.15 on x86-64.
var longDoubleCases = []struct{ stored, incr, reply string }{
	{"0", "0.1", "0.1"},
	{"0.1", "0.2", "0.3"},
	{"1", "-1", "0"},
	{"-0", "0", "0"},
	{"10.5", "-10.5", "0"},
	{"5.0e3", "2.0e2", "5200"},
	{"1.5", "3", "4.5"},
	{"17179869184", "17179869184", "34359738368"},
	{"17179869184", "1.5", "17179869185.5"},
	{"1e308", "1e308", "199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096"},
	{"1.18973149535723176502e+4932", "1e4931", "-ERR increment would produce NaN or Infinity"},
	{"1.18973149535723176502e+4932", "1", "1189731495357231765021263853030970205169063322294624200440323733891737005522970722616410290336528882853545697807495577314427443153670288434198125573853743678673593200706973263201915918282961524365529510646791086614311790632169778838896134786560600399148753433211454911160088679845154866512852340149773037600009125479393966223151383622417838542743917838138717805889487540575168226347659235576974805113725649020884855222494791399377585026011773549180099796226026859508558883608159846900235645132346594476384939859276456284579661772930407806609229102715046085388087959327781622986827547830768080040150694942303411728957777100335714010559775242124057347007386251660110828379119623008469277200965153500208474470792443848545912886723000619085126472111951361467527633519562927597957250278002980795904193139603021470997035276467445530922022679656280991498232083329641241038509239184734786121921697210543484287048353408113042573002216421348917347174234800714880751002064390517234247656004721768096486107994943415703476320643558624207443504424380566136017608837478165389027809576975977286860071487028287955567141404632615832623602762896316173978484254486860609948270867968048078702511858930838546584223040908805996294594586201903766048446790926002225410530775901065760671347200125846406957030257138960983757998926954553052368560758683179223113639519468850880771872104705203957587480013143131444254943919940175753169339392366881856189129931729104252921236835159922322050998001677102784035360140829296398115122877768135706045789343535451696539561254048846447169786893211671087229088082778350518228857646062218739702851655083720992349483334435228984751232753726636066213902281264706234075352071724058665079518217303463782631353393706774901950197841690441824738063162828586857741432581165364040218402724913393320949219498422442730427019873044536620350262386957804682003601447291997123095530057206141866974852846856186514832715974481203121946751686379343096189615107330065552421485195201762858595091051839472502863871632494167613804996319791441870254302706758495192008837915169401581740046711477877201459644461175204059453504764721807975761111720846273639279600339670470037613374509553184150073796412605047923251661354841291884211340823015473304754067072818763503617332908005951896325207071673904547777129682265206225651439919376804400292380903112437912614776255964694221981375146967079446870358004392507659451618379811859392049544036114915310782251072691486979809240946772142727012404377187409216756613634938900451232351668146089322400697993176017805338191849981933008410985993938760292601390911414526003720284872132411955424282101831204216104467404621635336900583664606591156298764745525068145003932941404131495400677602951005962253022823003631473824681059648442441324864573137437595096416168048024129351876204668135636877532814675538798871771836512893947195335061885003267607354388673368002074387849657014576090349857571243045102038730494854256702479339322809110526041538528994849203991091946129912491633289917998094380337879522093131466946149705939664152375949285890960489916121944989986384837022486672249148924678410206183364627416969576307632480235587975245253737035433882960862753427740016333434055083537048507374544819754722228975281083020898682633020285259923084168054539687911418297629988964576482765287504562854924265165217750799516259669229114977788962356670956627138482018191348321687995863652637620978285070099337294396784639879024914514222742527006363942327998483976739987154418554201562244154926653014515504685489258620276085761837129763358761215382565129633538141663949516556000264159186554850057052611431952919918807954522394649627635630178580896692226406235382898535867595990647008385687123810329591926494846250768992258419305480763620215089022149220528069842018350840586938493815498909445461977893029113576516775406232278298314033473276603952231603422824717528181818844304880921321933550869873395861276073670866652375555675803171490108477320096424318780070008797346032906278943553743564448851907191616455141155761939399690767415156402826543664026760095087523945507341556135867933066031744720924446513532366647649735400851967040771103640538150073486891798364049570606189535005089840913826869535090066783324472578712196604415284924840041850932811908963634175739897166596000759487800619164094854338758520657116541072260996288150123144377944008749301944744330784388995701842710004808305012177123560622895076269042856800047718893158089358515593863176652948089031267747029662545110861548958395087796755464137944895960527975209874813839762578592105756284401759349324162148339565350189196811389091843795734703269406342890087805846940352453479398080674273236297887100867175802531561302356064878709259865288416350972529537091114317204887747405539054009425375424119317944175137064689643861517718849867010341532542385911089624710885385808688837777258648564145934262121086647588489260031762345960769508849149662444156604419552086811989770240"},
	{"-1.18973149535723176502e+4932", "-1e4932", "-ERR increment would produce NaN or Infinity"},
	{"0x1p-16445", "0", "0"},
	{"0x1p-16445", "0x1p-16445", "0"},
	{"1e-4951", "1e-4951", "-ERR value is not a valid float"},
	{"3.6e-4951", "-3.6e-4951", "0"},
	{"1e-4952", "1", "-ERR hash value is not a float"},
	{"1e4933", "1", "-ERR hash value is not a float"},
	{"1e70", "0", "10000000000000000000222479489586148259025995410601157579323600873193472"},
	{"inf", "1", "-ERR increment would produce NaN or Infinity"},
	{"-inf", "1", "-ERR increment would produce NaN or Infinity"},
	{"nan", "1", "-ERR hash value is not a float"},
	{"1", "inf", "-ERR value is NaN or Infinity"},
	{"1", "-Infinity", "-ERR value is NaN or Infinity"},
	{"1", "nan", "-ERR value is not a valid float"},
	{"1", " 1", "-ERR value is not a valid float"},
	{"1", "1 ", "-ERR value is not a valid float"},
	{"1", "1e", "-ERR value is not a valid float"},
	{"1", "0x1.8p1", "4"},
	{"0X10", "0x.8", "16.5"},
	{"123456789012345678901234567890", "0.5", "123456789012345678899921813504"},
	{"9223372036854775807", "1", "9223372036854775808"},
	{"0.000000000000000005", "0", "0"},
	{"0.000000000000000015", "0", "0.00000000000000002"},
	{"0.000000000000000025", "0", "0.00000000000000002"},
	{"-0.000000000000000004", "0", "0"},
	{"1.00000000000000000005", "0", "1"},
	{"3.0", "-0.1", "2.9"},
	{"0.1", "0.7", "0.8"},
	{"1e-5", "1e-5", "0.00002"},
	{"2.5e-17", "0", "0.00000000000000002"},
	{".5", "5.", "5.5"},
	{"abc", "1", "-ERR hash value is not a float"},
	{"1", "abc", "-ERR value is not a valid float"},
	{"1\x001", "1", "-ERR hash value is not a float"},
	{"", "1", "-ERR hash value is not a float"},
	{"1", "1e-99999999999", "-ERR value is not a valid float"},
	{"1", "0e99999999999", "1"},
	{"0.3333333333333333333333", "0.6666666666666666666667", "1"},
}

func TestHash_IncrByFloat(t *testing.T) {
	tx := lockedTx(t)
	k := []byte("k")
	for _, tt := range longDoubleCases {
		tx.Delete(k)
		tx.HSet(k, bs("f", tt.stored))
		got, err := tx.HIncrByFloat(k, []byte("f"), []byte(tt.incr))
		reply := string(got)
		switch err {
		case nil:
		case ErrNotFloat, ErrNaN:
			reply = "-ERR " + err.Error()
		default:
			reply = "-ERR " + err.Error()
		}
		if reply != tt.reply {
			t.Errorf("%q + %q = %q, want %q", tt.stored, tt.incr, reply, tt.reply)
			continue
		}
		if err == nil {
			if v, _ := hashOf(t, tx, "k").Get([]byte("f")); string(v) != reply {
				t.Errorf("%q + %q stored %q", tt.stored, tt.incr, v)
			}
		}
	}
}

func TestHash_ParseLongDouble(t *testing.T) {
	valid := []string{"1", "-1", "+1", ".5", "5.", "1e5", "1E-5", "0x1p3", "0X.8P-1", "inf", "-INF", "Infinity", "0e999999999999", "00.00"}
	invalid := []string{"", " 1", "1 ", "\t1", ".", "+", "e5", "1e", "1e+", "0x", "0xp1", "0x1p", "nan", "NAN(1)", "-nan", "1e5000", "1e-5000",
		"1.2.3", "--1", "1_0", "infinit", "1\x00", "0x1p99999999999"}
	for _, s := range valid {
		if _, ok := hashParseLongDouble([]byte(s)); !ok {
			t.Errorf("%q rejected", s)
		}
	}
	for _, s := range invalid {
		if _, ok := hashParseLongDouble([]byte(s)); ok {
			t.Errorf("%q accepted", s)
		}
	}
	long := bytes.Repeat([]byte("1"), ldMaxChars)
	if _, ok := hashParseLongDouble(long); ok {
		t.Error("a string of MAX_LONG_DOUBLE_CHARS accepted")
	}
	if _, ok := hashParseLongDouble(long[:ldMaxChars-1]); ok {
		t.Error("5119 digits of integer overflow accepted")
	}
}

func TestHash_Encoding(t *testing.T) {
	tx := lockedTx(t)
	lim := tx.Store().Limits()
	k := []byte("h")
	enc := func() Encoding { e, _ := tx.ObjectEncoding(k); return e }
	check := func(step string, want Encoding) {
		t.Helper()
		if got := enc(); got != want {
			t.Fatalf("%s: encoding %v, want %v", step, got, want)
		}
	}
	// Entries: exactly hash-max-listpack-entries (512, Redis's default)
	// stays compact.
	if n := lim.HashMaxListpackEntries.Load(); n != 512 {
		t.Fatalf("default hash-max-listpack-entries %d, Redis has 512", n)
	}
	for i := range 512 {
		tx.HSet(k, bs(fmt.Sprint("f", i), "v"))
	}
	check("512 entries", EncListpack)
	tx.HSet(k, bs("f0", "updated"))
	check("update at the limit", EncListpack)
	tx.HSet(k, bs("f512", "v"))
	check("513 entries", EncHashtable)
	tx.HDel(k, bs("f512", "f511"))
	check("never converted back", EncHashtable)

	// Values: 64 bytes stay, 65 convert; a long field too.
	for _, tt := range []struct {
		pairs []string
		want  Encoding
	}{
		{[]string{"f", string(bytes.Repeat([]byte("x"), 64))}, EncListpack},
		{[]string{"f", string(bytes.Repeat([]byte("x"), 65))}, EncHashtable},
		{[]string{string(bytes.Repeat([]byte("x"), 65)), "v"}, EncHashtable},
		// Any long argument converts, even one that changes nothing new.
		{[]string{"a", "1", "a", string(bytes.Repeat([]byte("x"), 65)), "a", "1"}, EncHashtable},
	} {
		tx.Delete(k)
		tx.HSet(k, bs(tt.pairs...))
		check(fmt.Sprint("pairs of lengths ", len(tt.pairs[0]), len(tt.pairs[1])), tt.want)
	}

	// HSETNX of an existing field never converts; of a new long one does.
	tx.Delete(k)
	tx.HSet(k, bs("a", "1"))
	tx.HSetNX(k, []byte("a"), bytes.Repeat([]byte("x"), 100))
	check("HSETNX existing", EncListpack)
	tx.HSetNX(k, []byte("b"), bytes.Repeat([]byte("x"), 100))
	check("HSETNX long", EncHashtable)

	// HINCRBYFLOAT results longer than the value limit convert.
	tx.Delete(k)
	tx.HSet(k, bs("f", "1"))
	tx.HIncrByFloat(k, []byte("f"), []byte("1e60"))
	check("61-digit float", EncListpack)
	tx.HIncrByFloat(k, []byte("f"), []byte("1e70"))
	check("71-digit float", EncHashtable)

	// Limits changed at run time apply at the next growth.
	tx.Delete(k)
	tx.HSet(k, bs("a", "1", "b", "2", "c", "3"))
	lim.HashMaxListpackEntries.Store(2)
	check("limit lowered, no write", EncListpack)
	tx.HSetNX(k, []byte("a"), []byte("9"))
	check("limit lowered, HSETNX of an existing field", EncListpack)
	tx.HDel(k, bs("x"))
	check("limit lowered, HDEL", EncListpack)
	tx.HSet(k, bs("a", "9"))
	check("limit lowered, update", EncHashtable)
	tx.Delete(k)
	lim.HashMaxListpackEntries.Store(512)
	tx.HSet(k, bs("a", "1", "b", "2", "c", "3"))
	lim.HashMaxListpackEntries.Store(2)
	tx.HIncrBy(k, []byte("b"), 1)
	check("limit lowered, incr of existing", EncHashtable)
	lim.HashMaxListpackEntries.Store(0)
	tx.Delete(k)
	tx.HSet(k, bs("a", "1"))
	check("zero entries", EncHashtable)
	lim.HashMaxListpackEntries.Store(512)
	lim.HashMaxListpackValue.Store(0)
	tx.Delete(k)
	tx.HSet(k, bs("", ""))
	check("zero value limit, empty strings", EncListpack)
	tx.HSet(k, bs("a", ""))
	check("zero value limit, 1-byte field", EncHashtable)
}

// TestHash_Model applies random operations to a hash and to a Go map and
// compares them after each step, with limits that make the hash convert
// midway (and limits changed midway).
func TestHash_Model(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { hashModelRun(t, seed) })
	}
}

func hashModelRun(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 99))
	tx := lockedTx(t)
	lim := tx.Store().Limits()
	lim.HashMaxListpackEntries.Store(int64(4 + r.IntN(40)))
	lim.HashMaxListpackValue.Store(int64(4 + r.IntN(20)))
	k := []byte("h")
	model := map[string]string{}
	// big models the encoding by Redis's rules: a write converts when an
	// argument is longer than the value limit or the hash ends up with more
	// entries than the entry limit; nothing converts back.
	big := false
	long := func(ss ...string) bool {
		for _, s := range ss {
			if int64(len(s)) > lim.HashMaxListpackValue.Load() {
				return true
			}
		}
		return false
	}
	grew := func() {
		if int64(len(model)) > lim.HashMaxListpackEntries.Load() {
			big = true
		}
	}
	field := func() string {
		if r.IntN(15) == 0 { // now and then a field too long to stay compact
			return fmt.Sprint("long-field-name-", r.IntN(5))
		}
		return fmt.Sprint("f", r.IntN(60))
	}
	value := func() string {
		if r.IntN(4) == 0 {
			return strconv.Itoa(r.IntN(1000) - 500)
		}
		n := r.IntN(6)
		if r.IntN(30) == 0 {
			n = r.IntN(30)
		}
		return string(bytes.Repeat([]byte{byte('a' + r.IntN(26))}, n))
	}
	for step := range 600 {
		var desc string
		switch op := r.IntN(10); op {
		case 0, 1, 2:
			var pairs []string
			for range 1 + r.IntN(3) {
				pairs = append(pairs, field(), value())
			}
			want := 0
			big = big || long(pairs...)
			for i := 0; i < len(pairs); i += 2 {
				if _, ok := model[pairs[i]]; !ok {
					want++
				}
				model[pairs[i]] = pairs[i+1]
				grew()
			}
			got, err := tx.HSet(k, bs(pairs...))
			desc = fmt.Sprint("HSET ", pairs)
			if err != nil || got != want {
				t.Fatalf("step %d %s = %d %v, want %d", step, desc, got, err, want)
			}
		case 3:
			f, v := field(), value()
			_, had := model[f]
			got, _ := tx.HSetNX(k, []byte(f), []byte(v))
			if !had {
				model[f] = v
				big = big || long(f, v)
				grew()
			}
			desc = "HSETNX " + f
			if got == had {
				t.Fatalf("step %d %s = %v", step, desc, got)
			}
		case 4, 5:
			fs := []string{field(), field()}
			want := 0
			for _, f := range fs {
				if _, ok := model[f]; ok {
					delete(model, f)
					want++
				}
			}
			got, removed, _ := tx.HDel(k, bs(fs...))
			desc = fmt.Sprint("HDEL ", fs)
			if got != want || removed != (len(model) == 0 && want > 0) {
				t.Fatalf("step %d %s = %d %v, want %d", step, desc, got, removed, want)
			}
		case 6:
			f := field()
			d := int64(r.IntN(100) - 50)
			old, had := model[f]
			got, err := tx.HIncrBy(k, []byte(f), d)
			desc = "HINCRBY " + f
			n, isInt := ParseInt([]byte(old))
			switch {
			case had && !isInt:
				if err != ErrHashNotInteger {
					t.Fatalf("step %d %s on %q: %v", step, desc, old, err)
				}
			default:
				if err != nil || got != n+d {
					t.Fatalf("step %d %s: %d %v", step, desc, got, err)
				}
				model[f] = strconv.FormatInt(n+d, 10)
				big = big || long(f, model[f])
				grew()
			}
		case 7:
			// Change the limits: only later growth may convert.
			lim.HashMaxListpackEntries.Store(int64(2 + r.IntN(60)))
			lim.HashMaxListpackValue.Store(int64(2 + r.IntN(30)))
			desc = "limits"
		default:
			f := field()
			h := hashOf(t, tx, "h")
			want, had := model[f]
			var got []byte
			ok := false
			if h != nil {
				got, ok = h.Get([]byte(f))
			}
			desc = "HGET " + f
			if ok != had || string(got) != want {
				t.Fatalf("step %d %s = %q %v, want %q %v", step, desc, got, ok, want, had)
			}
		}
		h := hashOf(t, tx, "h")
		if len(model) == 0 {
			if h != nil {
				t.Fatalf("step %d %s: empty hash still stored", step, desc)
			}
			big = false
			continue
		}
		if got := h.Encoding(); (got == EncHashtable) != big {
			t.Fatalf("step %d %s: encoding %v, model says hashtable=%v", step, desc, got, big)
		}
		if h.Len() != len(model) || !maps.Equal(hashMap(h), model) {
			t.Fatalf("step %d %s: hash %v, model %v", step, desc, hashMap(h), model)
		}
		// A full HSCAN returns every field exactly once here (no changes
		// during the iteration).
		seen := map[string]int{}
		var cur uint64
		for calls := 0; ; calls++ {
			cur = h.Scan(cur, 1+r.IntN(5), func(f, v []byte) { seen[string(f)]++ })
			if cur == 0 {
				break
			}
			if calls > 10000 {
				t.Fatal("scan does not terminate")
			}
		}
		if len(seen) != len(model) {
			t.Fatalf("step %d: scan saw %d of %d fields", step, len(seen), len(model))
		}
		for f, n := range seen {
			if n != 1 {
				t.Fatalf("step %d: scan returned %q %d times", step, f, n)
			}
		}
	}
}

func TestHash_RandomPairs(t *testing.T) {
	for _, big := range []bool{false, true} {
		tx := lockedTx(t)
		if big {
			tx.Store().Limits().HashMaxListpackEntries.Store(0)
		}
		k := []byte("h")
		for i := range 30 {
			tx.HSet(k, bs(fmt.Sprint("f", i), fmt.Sprint("v", i)))
		}
		h := hashOf(t, tx, "h")
		collect := func(count int64) []string {
			var out []string
			h.RandomPairs(count, func(f, v []byte) bool {
				if "v"+string(f[1:]) != string(v) {
					t.Fatalf("pair %q %q mismatched", f, v)
				}
				out = append(out, string(f))
				return true
			})
			return out
		}
		for _, count := range []int64{1, 2, 9, 10, 11, 20, 29, 30, 31, 1000, 1 << 62} {
			got := collect(count)
			want := min(int(count), 30)
			uniq := slices.Compact(slices.Sorted(slices.Values(got)))
			if len(got) != want || len(uniq) != want {
				t.Errorf("big=%v count %d: %d pairs, %d distinct; want %d", big, count, len(got), len(uniq), want)
			}
		}
		// Negative counts repeat; every field shows up over many draws.
		got := collect(-3000)
		counts := map[string]int{}
		for _, f := range got {
			counts[f]++
		}
		if len(got) != 3000 || len(counts) != 30 {
			t.Errorf("big=%v count -3000: %d pairs over %d fields", big, len(got), len(counts))
		}
		for f, n := range counts {
			if n < 40 || n > 200 { // mean 100
				t.Errorf("big=%v: %s drawn %d times of 3000", big, f, n)
			}
		}
		// Unique picks are uniform too.
		counts = map[string]int{}
		for range 600 {
			for _, f := range collect(5) {
				counts[f]++
			}
		}
		for f, n := range counts {
			if n < 40 || n > 200 {
				t.Errorf("big=%v: %s picked %d times in 600 draws of 5", big, f, n)
			}
		}
	}
}

func TestHash_Clone(t *testing.T) {
	for _, big := range []bool{false, true} {
		tx := lockedTx(t)
		if big {
			tx.Store().Limits().HashMaxListpackEntries.Store(1)
		}
		tx.HSet([]byte("a"), bs("x", "1", "y", "2"))
		if !tx.Copy([]byte("a"), 0, []byte("b"), false) {
			t.Fatal("copy failed")
		}
		tx.HSet([]byte("a"), bs("x", "changed"))
		if v, _ := hashOf(t, tx, "b").Get([]byte("x")); string(v) != "1" {
			t.Errorf("big=%v: copy shares memory with its source: %q", big, v)
		}
		if e, _ := tx.ObjectEncoding([]byte("b")); (e == EncHashtable) != big {
			t.Errorf("big=%v: copy encoding %v", big, e)
		}
	}
}

// TestHash_Memory measures the heap a small hash costs. Redis 7.0.15 holds
// 200k such hashes (keys "hash:N", fields "field:J", values "value:N") in
// about 298 bytes of used_memory and 291 bytes of RSS each; Ember must stay
// within 1.5x of that in RSS, so the heap gets a margin below it.
func TestHash_Memory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100k hashes")
	}
	const n = 100000
	s := New(Options{})
	tx := NewTx(s)
	tx.Begin(0)
	tx.AddAll()
	tx.Lock()
	defer tx.Unlock()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	pairs := make([][]byte, 0, 20)
	for i := range n {
		pairs = pairs[:0]
		for j := range 10 {
			pairs = append(pairs, []byte(fmt.Sprint("field:", j)), []byte(fmt.Sprint("value:", i%1000)))
		}
		tx.HSet([]byte(fmt.Sprint("hash:", i)), pairs)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes of heap per 10-field hash (key and keyspace entry included)", per)
	if per > 380 {
		t.Errorf("%.0f bytes per hash: too close to 1.5x Redis's ~291", per)
	}
	runtime.KeepAlive(s)
}

// Writing an existing field, member or score again (redis-benchmark's
// HSET, SADD and ZADD repeat one) allocates nothing: an HSET of one pair
// reserves no room that pack would give back.
func TestCollections_RewritesDoNotAllocate(t *testing.T) {
	now := int64(1000)
	tx := stringTx(t, &now)
	field := []byte("element:000000000000")
	pairs := [][]byte{field, []byte("xxx")}
	if _, err := tx.HSet([]byte("myhash"), pairs); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { tx.HSet([]byte("myhash"), pairs) }); n != 0 {
		t.Errorf("HSET of an existing field allocated %.1f times", n)
	}
	if n := testing.AllocsPerRun(100, func() { tx.SAdd([]byte("myset"), [][]byte{field}) }); n != 0 {
		t.Errorf("SADD of an existing member allocated %.1f times", n)
	}
	if n := testing.AllocsPerRun(100, func() { tx.ZAdd([]byte("myzset"), 0, []float64{1}, [][]byte{field}) }); n != 0 {
		t.Errorf("ZADD of an existing member allocated %.1f times", n)
	}
	h, err := tx.GetHash([]byte("myhash"))
	if err != nil || h == nil {
		t.Fatal("hash missing", err)
	}
	if v, _ := h.Get(field); string(v) != "xxx" || h.Len() != 1 {
		t.Errorf("field = %q in %d fields, want xxx in 1", v, h.Len())
	}
}
