# ORC kernels for gst-mastering: element-wise work only (gains, gain curves,
# peak scans, mid/side matrices, dry/wet mixes). Recursive filters stay in C.
# Every kernel has a plain C reference in kernels-ref.c with the same
# signature; tests/dsp/test_orc.c compares them. After editing this file run
# `ninja -C build update-orc-dist` and commit master-orc-dist.{c,h}.

.function master_orc_gain_f32
.dest 4 d1 float
.source 4 s1 float
.floatparam 4 p1
mulf d1, s1, p1

.function master_orc_gain_f64
.dest 8 d1 double
.source 8 s1 double
.doubleparam 8 p1
muld d1, s1, p1

.function master_orc_gain_curve_f32
.dest 4 d1 float
.source 4 s1 float
.source 4 s2 float
mulf d1, s1, s2

.function master_orc_gain_curve_f64
.dest 8 d1 double
.source 8 s1 double
.source 8 s2 double
muld d1, s1, s2

# one gain per stereo frame, applied to both channels
.function master_orc_gain_curve_stereo_f32
.dest 8 d1 float
.source 8 s1 float
.source 4 s2 float
.temp 8 g
mergelq g, s2, s2
x2 mulf d1, s1, g

# running per-position maximum of |s|: acc[i] = max(acc[i], |s[i]|)
.function master_orc_abs_max_f32
.dest 4 d1 float
.source 4 s1 float
.const 4 c_absmask 0x7fffffff
.temp 4 a
andl a, s1, c_absmask
maxf d1, d1, a

.function master_orc_abs_max_f64
.dest 8 d1 double
.source 8 s1 double
.const 8 c_absmask 0x7fffffffffffffff
.temp 8 a
andq a, s1, c_absmask
maxd d1, d1, a

# interleaved L,R -> M = (L + R) / 2, S = (L - R) / 2
.function master_orc_ms_encode_f32
.dest 8 d1 float
.source 8 s1 float
.const 4 c_half 0x3f000000
.temp 4 l
.temp 4 r
.temp 4 m
.temp 4 s
splitql r, l, s1
addf m, l, r
subf s, l, r
mulf m, m, c_half
mulf s, s, c_half
mergelq d1, m, s

# interleaved M,S -> L = M + S, R = M - S
.function master_orc_ms_decode_f32
.dest 8 d1 float
.source 8 s1 float
.temp 4 m
.temp 4 s
.temp 4 l
.temp 4 r
splitql s, m, s1
addf l, m, s
subf r, m, s
mergelq d1, l, r

# dry/wet: d = dry + (wet - dry) * m
.function master_orc_mix_f32
.dest 4 d1 float
.source 4 s1 float
.source 4 s2 float
.floatparam 4 p1
.temp 4 t
subf t, s2, s1
mulf t, t, p1
addf d1, s1, t

.function master_orc_mix_f64
.dest 8 d1 double
.source 8 s1 double
.source 8 s2 double
.doubleparam 8 p1
.temp 8 t
subd t, s2, s1
muld t, t, p1
addd d1, s1, t
