/**
 * Landmark index lists of the 478-point face mesh (MediaPipe topology, as @vladmandic/human returns
 * it). "Right"/"left" are the subject's. Each list walks a closed outline in order.
 */

/** Silhouette from the top of the forehead, clockwise in the image. */
export const FACE_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109];

export const LIPS_OUTER = [61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146];
export const LIPS_INNER = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];

export const RIGHT_EYE = [33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7];
export const LEFT_EYE = [263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249];

export const RIGHT_BROW = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46];
export const LEFT_BROW = [300, 293, 334, 296, 336, 285, 295, 282, 283, 276];

/** Upper eyelid (inner to outer corner) and lower brow edge (outer to inner): the eye-shadow area between them. */
export const RIGHT_LID_TO_BROW = [133, 173, 157, 158, 159, 160, 161, 246, 33, 46, 53, 52, 65, 55];
export const LEFT_LID_TO_BROW = [362, 398, 384, 385, 386, 387, 388, 466, 263, 276, 283, 282, 295, 285];

/**
 * What a face swap replaces: jaw and cheeks up to the temples, closed over the top edge of both brows.
 * The forehead is left out because hair and hairlines there differ between people.
 */
export const SWAP_OUTLINE = [389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 70, 63, 105, 66, 107, 336, 296, 334, 293, 300];

/** Upper face outline over both brows: forehead polygon from the oval's top arc down to the brow tops. */
export const FOREHEAD = [54, 103, 67, 109, 10, 338, 297, 332, 284, 300, 293, 334, 296, 336, 107, 66, 105, 63, 70];

/** Apple of the cheek, one point each side, the centre of a blush. */
export const RIGHT_CHEEK_CENTER = 50;
export const LEFT_CHEEK_CENTER = 280;

/** Outer eye corners, for a scale that does not depend on the detector's box. */
export const RIGHT_EYE_OUTER = 33;
export const LEFT_EYE_OUTER = 263;

/** Iris landmarks (468..477) are refinements inside the eyes; warps use the first 468 points only. */
export const MESH_POINTS_WITHOUT_IRIS = 468;

/** Openness of the eyes and mouth: [upper lid / lip, lower, corner, corner] (gap ÷ corner distance). */
export const RIGHT_EYE_OPENING = [159, 145, 33, 133] as const;
export const LEFT_EYE_OPENING = [386, 374, 263, 362] as const;
export const MOUTH_OPENING = [13, 14, 78, 308] as const;

/** Around the nostrils and the nose's underside (dark, but part of the face's features). */
export const NOSE_BASE = [98, 97, 2, 326, 327, 294, 278, 344, 440, 275, 4, 45, 220, 115, 48, 64];

/** Points whose convex hull covers the whole nose, bridge to nostrils. */
export const NOSE_WHOLE = [168, 6, 197, 195, 5, 4, 1, 2, 98, 327, 48, 278, 64, 294, 115, 344, 220, 440, 45, 275];

/** Nose tip: the centre a blend outline is pulled toward. */
export const NOSE_TIP = 1;
