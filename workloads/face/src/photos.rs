//! The photos the synthetic camera films.
//!
//! Six public-domain photos of four people are compiled into the crate (see
//! `data/photos/PROVENANCE.md`): three of Barack Obama and one each of Joe Biden, Grace Hopper and
//! Eileen Collins. A [`PhotoSet`] can also be built from files, e.g. to film other people.

use std::path::Path;

use image::RgbImage;

use crate::FaceError;

/// One decoded photo and the person it shows.
#[derive(Clone, Debug)]
pub struct Photo {
    /// Short name (the vendored file's stem, or the path).
    pub name: String,
    /// Who is in it: photos with the same identity show the same person.
    pub identity: String,
    /// The pixels.
    pub image: RgbImage,
}

impl Photo {
    /// Decodes `bytes` (JPEG or PNG); `name` is only used in messages.
    pub fn decode(name: &str, identity: &str, bytes: &[u8]) -> Result<Self, FaceError> {
        let image = image::load_from_memory(bytes)
            .map_err(|source| FaceError::Image {
                name: name.to_string(),
                source,
            })?
            .to_rgb8();
        if image.width() == 0 || image.height() == 0 {
            return Err(FaceError::Invalid(format!("image {name} is empty")));
        }
        Ok(Photo {
            name: name.to_string(),
            identity: identity.to_string(),
            image,
        })
    }

    /// Reads and decodes the file at `path`.
    pub fn open(path: &Path, identity: &str) -> Result<Self, FaceError> {
        let bytes = std::fs::read(path).map_err(|source| FaceError::ImageIo {
            path: path.to_path_buf(),
            source,
        })?;
        Self::decode(&path.display().to_string(), identity, &bytes)
    }
}

/// The vendored photos: (file stem, identity, JPEG bytes).
pub const VENDORED: [(&str, &str, &[u8]); 6] = [
    ("obama", "obama", include_bytes!("../data/photos/obama.jpg")),
    (
        "obama2",
        "obama",
        include_bytes!("../data/photos/obama2.jpg"),
    ),
    (
        "obama3",
        "obama",
        include_bytes!("../data/photos/obama3.jpg"),
    ),
    ("biden", "biden", include_bytes!("../data/photos/biden.jpg")),
    (
        "grace_hopper",
        "hopper",
        include_bytes!("../data/photos/grace_hopper.jpg"),
    ),
    (
        "astronaut",
        "collins",
        include_bytes!("../data/photos/astronaut.jpg"),
    ),
];

/// Photos grouped by identity, in a fixed order (identities sorted by name, photos in the
/// order given).
#[derive(Clone, Debug)]
pub struct PhotoSet {
    identities: Vec<(String, Vec<Photo>)>,
}

impl PhotoSet {
    /// The six vendored photos of four people.
    pub fn vendored() -> Result<Self, FaceError> {
        let photos = VENDORED
            .iter()
            .map(|(name, id, bytes)| Photo::decode(name, id, bytes))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(photos)
    }

    /// A set made of `photos` (at least one).
    pub fn new(photos: Vec<Photo>) -> Result<Self, FaceError> {
        if photos.is_empty() {
            return Err(FaceError::Invalid(
                "a photo set needs at least one photo".into(),
            ));
        }
        let mut identities: Vec<(String, Vec<Photo>)> = Vec::new();
        for p in photos {
            match identities.iter_mut().find(|(id, _)| *id == p.identity) {
                Some((_, v)) => v.push(p),
                None => identities.push((p.identity.clone(), vec![p])),
            }
        }
        identities.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(PhotoSet { identities })
    }

    /// Number of distinct people.
    pub fn identity_count(&self) -> usize {
        self.identities.len()
    }

    /// The person at index `i % identity_count()`: name and photos (at least one).
    pub fn identity(&self, i: usize) -> (&str, &[Photo]) {
        let (id, v) = &self.identities[i % self.identities.len()];
        (id.as_str(), v.as_slice())
    }

    /// A photo by its name.
    pub fn photo(&self, name: &str) -> Option<&Photo> {
        self.identities
            .iter()
            .flat_map(|(_, v)| v)
            .find(|p| p.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_photos_decode_and_fit_640_by_480() {
        let set = PhotoSet::vendored().expect("vendored photos decode");
        assert_eq!(set.identity_count(), 4);
        for (name, _, _) in VENDORED {
            let p = set.photo(name).expect("present");
            assert!(p.image.width() <= 640 && p.image.height() <= 480, "{name}");
        }
        let (id, v) = set.identity(3);
        assert_eq!((id, v.len()), ("obama", 3));
    }

    #[test]
    fn corrupt_image_is_a_clear_error() {
        let mut bytes = VENDORED[0].2[..2000].to_vec();
        bytes[100..600].fill(0x5a);
        let err = Photo::decode("broken.jpg", "x", &bytes).expect_err("corrupt");
        assert!(
            err.to_string().contains("cannot decode image broken.jpg"),
            "{err}"
        );
        let err = Photo::decode("noise.png", "x", b"not an image at all").expect_err("garbage");
        assert!(err.to_string().contains("noise.png"), "{err}");
    }
}
