//! A pure-Rust stand-in pipeline for tests of the workload's control flow.
//!
//! It "detects" one face per frame and "encodes" it as the mean colour of a 16 × 8 grid of the
//! frame, scaled to unit length. It is deterministic and needs no models, which is all the
//! resume-equivalence tests of the loop need; it recognises nobody.

use image::RgbImage;

use crate::encoding::ENCODING_DIM;
use crate::{Encoding, FaceError, FacePipeline};

/// See the module docs.
#[derive(Clone, Copy, Debug, Default)]
pub struct MockPipeline;

impl FacePipeline for MockPipeline {
    type Image = RgbImage;
    type Faces = usize;
    type Landmarks = usize;

    fn name(&self) -> &'static str {
        "mock"
    }

    fn import(&self, frame: &RgbImage) -> RgbImage {
        frame.clone()
    }

    fn detect(&self, _image: &RgbImage) -> usize {
        1
    }

    fn face_count(&self, faces: &usize) -> usize {
        *faces
    }

    fn landmarks(&self, _image: &RgbImage, faces: &usize) -> usize {
        *faces
    }

    fn encode(&self, image: &RgbImage, faces: &usize) -> Result<Vec<Encoding>, FaceError> {
        let (gw, gh) = (16u32, ENCODING_DIM as u32 / 16);
        let (w, h) = (image.width().max(gw), image.height().max(gh));
        let mut v = [0f32; ENCODING_DIM];
        for (i, slot) in v.iter_mut().enumerate() {
            let (cx, cy) = (i as u32 % gw, i as u32 / gw);
            let (x0, y0) = (cx * w / gw, cy * h / gh);
            let (x1, y1) = ((cx + 1) * w / gw, (cy + 1) * h / gh);
            let mut sum = 0u64;
            let mut n = 0u64;
            for y in y0..y1.min(image.height()) {
                for x in x0..x1.min(image.width()) {
                    let p = image.get_pixel(x, y).0;
                    sum += u64::from(p[0]) + u64::from(p[1]) + u64::from(p[2]);
                    n += 3;
                }
            }
            *slot = if n == 0 {
                0.0
            } else {
                sum as f32 / n as f32 / 255.0
            };
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
        v.iter_mut().for_each(|x| *x /= norm);
        Ok(vec![Encoding::new(v); *faces])
    }
}
