//! The report's charts as SVG (plotters' SVG backend; text stays as SVG text): line
//! charts of metric series, bars, a confusion heatmap and few-shot curves. Titles and axis
//! labels come from the caller, in the report's language.
use plotters::prelude::*;

pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// A line chart of one or more series sharing the axes.
pub fn line_chart(title: &str, x_label: &str, series: &[Series]) -> anyhow::Result<String> {
    let points = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points.filter(|(x, y)| x.is_finite() && y.is_finite()) {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 - x0 < 1e-12 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.05).max(1e-6);
    let (y0, y1) = (y0 - pad, y1 + pad);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 320)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        // Steps and epochs are counts: their ticks are whole numbers.
        let counts = series.iter().flat_map(|s| s.points.iter()).all(|(x, _)| x.fract() == 0.0);
        let tick = |x: &f64| match counts {
            true if x.fract().abs() < 1e-9 => format!("{x:.0}"),
            true => String::new(),
            // Ticks like 0.30000000000000004 print as 0.3.
            false => format!("{x:.3}").trim_end_matches('0').trim_end_matches('.').to_string(),
        };
        chart.configure_mesh().x_desc(x_label).x_label_formatter(&tick).light_line_style(RGBColor(235, 235, 235)).draw()?;
        for (i, s) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let points = s.points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite());
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
        }
        if series.len() > 1 {
            chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
        }
        root.present()?;
    }
    Ok(svg)
}

/// Horizontal bars, one per label, for fractions in [0, 1] shown as percentages.
pub fn bar_chart(title: &str, labels: &[String], values: &[f64], x_label: &str) -> anyhow::Result<String> {
    let n = labels.len().max(1);
    let height = 60 + 26 * n as u32;
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(10).min(60) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let max = values.iter().cloned().fold(0.0f64, f64::max).max(1e-9) * 100.0;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(20 + longest * 6)
            .build_cartesian_2d(0.0..(max * 1.1), (0..n).into_segmented())?;
        let names = labels.to_vec();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(x_label)
            .y_labels(n)
            .y_label_formatter(&|v: &SegmentValue<usize>| match v {
                SegmentValue::CenterOf(i) => names.get(n - 1 - *i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_style(("sans-serif", 11))
            .draw()?;
        chart.draw_series(values.iter().enumerate().map(|(i, v)| {
            let y = n - 1 - i;
            let mut bar = Rectangle::new([(0.0, SegmentValue::Exact(y)), (v * 100.0, SegmentValue::Exact(y + 1))], PALETTE[0].filled());
            bar.set_margin(3, 3, 0, 0);
            bar
        }))?;
        root.present()?;
    }
    Ok(svg)
}

/// A heatmap of a square matrix with values in [0, 1] (row-normalised confusion);
/// class names label the axes when there are few enough to read.
pub fn heatmap(title: &str, labels: &[String], rows: &[Vec<f64>]) -> anyhow::Result<String> {
    let n = rows.len().max(1);
    let side = 520u32;
    let label_room = if n <= 30 { 120 } else { 20 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (side + label_room + 20, side + label_room + 40)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(label_room)
            .y_label_area_size(label_room)
            .build_cartesian_2d((0..n).into_segmented(), (0..n).into_segmented())?;
        // Row t is drawn at y = n-1-t so the first class is at the top.
        let names = labels.to_vec();
        // Columns are numbered; rows carry the same number and the class name.
        let x_label = move |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) if n <= 30 && *i < n => format!("{}", i + 1),
            _ => String::new(),
        };
        let y_label = move |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) if n <= 30 && *i < n => format!("{}. {}", n - i, names.get(n - 1 - *i).cloned().unwrap_or_default()),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n.min(30))
            .y_labels(n.min(30))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_label_style(("sans-serif", 10))
            .y_label_style(("sans-serif", 10))
            .draw()?;
        chart.draw_series(rows.iter().enumerate().flat_map(|(t, row)| {
            row.iter().enumerate().map(move |(p, &v)| {
                let shade = (255.0 * (1.0 - v.clamp(0.0, 1.0))) as u8;
                let y = n - 1 - t;
                Rectangle::new([(SegmentValue::Exact(p), SegmentValue::Exact(y)), (SegmentValue::Exact(p + 1), SegmentValue::Exact(y + 1))], RGBColor(shade, shade, 255).filled())
            })
        }))?;
        root.present()?;
    }
    Ok(svg)
}

/// A curve with a spread at each point: (mean, standard deviation), fractions in [0, 1].
pub struct BandSeries {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Accuracy against a categorical x axis (shots per class), one line per method with
/// ±std error bars, and a horizontal reference line (zero-shot) when given.
pub fn few_shot_chart(title: &str, axes: (&str, &str), x_labels: &[String], series: &[BandSeries], baseline: Option<(&str, f64)>) -> anyhow::Result<String> {
    let n = x_labels.len().max(1);
    let values = series.iter().flat_map(|s| s.points.iter().flat_map(|&(m, sd)| [m - sd, m + sd])).chain(baseline.map(|b| b.1));
    let (lo, hi) = values.filter(|v| v.is_finite()).fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let pad = ((hi - lo) * 0.08).max(0.01);
    let (y0, y1) = (((lo - pad) * 100.0).max(0.0), ((hi + pad) * 100.0).min(100.0));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (680, 380)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.3..(n as f64 - 0.7), y0..y1)?;
        let names = x_labels.to_vec();
        let x_label = move |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 { names.get(i as usize).cloned().unwrap_or_default() } else { String::new() }
        };
        chart
            .configure_mesh()
            .x_labels(n)
            .x_label_formatter(&x_label)
            .x_desc(axes.0)
            .y_desc(axes.1)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        if let Some((name, value)) = baseline {
            let grey = RGBColor(110, 110, 110);
            chart
                .draw_series(LineSeries::new([(-0.3, value * 100.0), (n as f64 - 0.7, value * 100.0)], grey.stroke_width(1)))?
                .label(name.to_string())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], grey.stroke_width(1)));
        }
        for (i, s) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            // Offset each method a little so error bars at the same x do not overlap.
            let dx = (i as f64 - (series.len() as f64 - 1.0) / 2.0) * 0.04;
            let points: Vec<(f64, f64, f64)> = s.points.iter().enumerate().filter(|(_, p)| p.0.is_finite()).map(|(x, &(m, sd))| (x as f64 + dx, m * 100.0, sd * 100.0)).collect();
            chart
                .draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), colour.stroke_width(2)))?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
            chart.draw_series(points.iter().map(|p| Circle::new((p.0, p.1), 3, colour.filled())))?;
            chart.draw_series(points.iter().filter(|p| p.2 > 0.0).map(|p| PathElement::new(vec![(p.0, p.1 - p.2), (p.0, p.1 + p.2)], colour.stroke_width(1))))?;
        }
        chart.configure_series_labels().position(SeriesLabelPosition::LowerRight).background_style(WHITE.mix(0.85)).border_style(BLACK).draw()?;
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_an_svg_with_the_title_and_legend() {
        let s = super::line_chart("loss", "step", &[
            super::Series { name: "train".into(), points: vec![(1.0, 2.0), (2.0, 1.0)] },
            super::Series { name: "test".into(), points: vec![(1.0, 2.5), (2.0, 1.5)] },
        ])
        .unwrap();
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
        assert!(s.contains("\nloss\n") && s.contains("\ntest\n"), "title and legend are SVG text");
    }

    #[test]
    fn few_shot_chart_has_labels_and_reference_line() {
        let s = super::few_shot_chart(
            "few-shot",
            ("images per class", "top-1 (%)"),
            &["1".into(), "2".into(), "full".into()],
            &[super::BandSeries { name: "probe".into(), points: vec![(0.3, 0.05), (0.5, 0.02), (0.8, 0.0)] }],
            Some(("zero-shot", 0.6)),
        )
        .unwrap();
        assert!(s.contains("\nfull\n") && s.contains("\nzero-shot\n") && s.contains("\nprobe\n"), "{s}");
    }
}
